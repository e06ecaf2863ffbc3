/*
 * The adverse-event form (templates/toxicity/ae_form.html), progressively enhanced.
 *
 * Without JavaScript the CTCAE term is a <select> grouped by system organ class and the server
 * shows the chosen term's grades. With it, the <select> is hidden (it still carries the value
 * that is submitted) and replaced by a search box (ARIA combobox: type, arrow keys, Enter,
 * Escape) that asks the toxicity:ctcae_terms JSON endpoint; choosing a term redraws the grade
 * radios and the "grade now" options with only that term's grades and their CTCAE v5.0 texts,
 * and pre-selects the irAE category the protocol table suggests for the term.
 */
(function () {
  "use strict";

  // Texts come from the JavaScript catalog (/jsi18n/, loaded by base.html); without it, English.
  var gettext = typeof window.gettext === "function" ? window.gettext : function (text) { return text; };
  var interpolate = typeof window.interpolate === "function" ? window.interpolate : function (format, values) {
    return format.replace(/%\((\w+)\)s/g, function (match, name) { return String(values[name]); });
  };

  var form = document.getElementById("ae-form");
  if (!form) { return; }
  var select = form.querySelector("#id_term");
  var termsUrl = form.getAttribute("data-terms-url");
  if (!select || !termsUrl) { return; }

  var gradeField = document.getElementById("ae-grade-field");
  var currentSelect = form.querySelector("#id_current_grade");
  var iraeSelect = form.querySelector("#id_irae_category");
  var label = form.querySelector('label[for="id_term"]');

  // --- the search box -----------------------------------------------------------------------
  var box = document.createElement("div");
  box.className = "position-relative";
  var input = document.createElement("input");
  input.type = "text";
  input.id = "id_term_search";
  input.className = "form-control" + (select.classList.contains("is-invalid") ? " is-invalid" : "");
  input.autocomplete = "off";
  input.placeholder = gettext("Type a term, system organ class or MedDRA code");
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", "ae-term-options");
  if (select.getAttribute("aria-describedby")) {
    input.setAttribute("aria-describedby", select.getAttribute("aria-describedby"));
  }
  if (select.getAttribute("aria-invalid") === "true") {
    input.setAttribute("aria-invalid", "true");
  }
  var list = document.createElement("ul");
  list.id = "ae-term-options";
  list.className = "list-group position-absolute w-100 shadow-sm overflow-auto";
  list.style.zIndex = "1000";
  list.style.maxHeight = "20rem";
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", gettext("CTCAE terms found"));
  list.hidden = true;
  var status = document.createElement("div");
  status.className = "visually-hidden";
  status.setAttribute("aria-live", "polite");
  box.appendChild(input);
  box.appendChild(list);
  box.appendChild(status);

  select.hidden = true;
  select.tabIndex = -1;
  select.setAttribute("aria-hidden", "true");
  select.parentNode.insertBefore(box, select.nextSibling);
  if (label) { label.htmlFor = input.id; }

  var chosen = select.selectedIndex > 0 ? select.options[select.selectedIndex].text : "";
  input.value = chosen;

  var results = [];
  var active = -1;
  var timer = null;
  var pending = null;

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function highlight(index) {
    var items = list.querySelectorAll('[role="option"]');
    items.forEach(function (item, i) {
      var on = i === index;
      item.classList.toggle("active", on);
      item.setAttribute("aria-selected", on ? "true" : "false");
    });
    active = index;
    if (index >= 0 && items[index]) {
      input.setAttribute("aria-activedescendant", items[index].id);
      items[index].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function render() {
    list.textContent = "";
    results.forEach(function (term, i) {
      var item = document.createElement("li");
      item.id = "ae-term-option-" + term.id;
      item.className = "list-group-item list-group-item-action";
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", "false");
      var name = document.createElement("span");
      name.textContent = term.term;
      var detail = document.createElement("small");
      detail.className = "d-block text-muted";
      detail.textContent = term.soc + " · MedDRA " + term.meddra_code;
      item.appendChild(name);
      item.appendChild(detail);
      item.addEventListener("mousedown", function (event) {
        event.preventDefault();  // keep the focus in the box
        choose(i);
      });
      list.appendChild(item);
    });
    var open = results.length > 0;
    list.hidden = !open;
    input.setAttribute("aria-expanded", open ? "true" : "false");
    status.textContent = results.length
      ? interpolate(gettext("%(count)s terms found"), { count: results.length }, true)
      : gettext("No term found");
    active = -1;
  }

  function search() {
    var query = input.value.trim();
    if (!query) { results = []; close(); return; }
    if (pending) { pending.abort(); }
    pending = new AbortController();
    fetch(termsUrl + "?q=" + encodeURIComponent(query), {
      headers: { "Accept": "application/json" }, credentials: "same-origin", signal: pending.signal,
    })
      .then(function (response) { return response.ok ? response.json() : { results: [] }; })
      .then(function (data) { results = data.results || []; render(); })
      .catch(function (error) { if (error.name !== "AbortError") { status.textContent = gettext("The search failed."); } });
  }

  function choose(index) {
    var term = results[index];
    if (!term) { return; }
    select.value = String(term.id);
    chosen = term.term;
    input.value = term.term;
    input.classList.remove("is-invalid");
    input.removeAttribute("aria-invalid");
    close();
    drawGrades(term.grades);
    suggestIrae(term.irae_category);
    status.textContent = interpolate(gettext("%(term)s chosen; %(count)s grades"),
      { term: term.term, count: term.grades.length }, true);
  }

  input.addEventListener("input", function () {
    if (input.value !== chosen) { select.value = ""; }
    window.clearTimeout(timer);
    timer = window.setTimeout(search, 200);
  });
  input.addEventListener("keydown", function (event) {
    var count = results.length;
    if (event.key === "ArrowDown") {
      event.preventDefault();
      if (list.hidden) { if (count) { render(); } else { search(); } }
      if (count) { highlight((active + 1) % count); }
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      if (count) { highlight(active <= 0 ? count - 1 : active - 1); }
    } else if (event.key === "Enter") {
      if (!list.hidden) {
        event.preventDefault();  // choosing a term never submits the form
        choose(active >= 0 ? active : 0);
      }
    } else if (event.key === "Escape") {
      if (!list.hidden) { event.preventDefault(); close(); }
    } else if (event.key === "Tab") {
      close();
    }
  });
  input.addEventListener("blur", function () { window.setTimeout(close, 100); });

  // --- grades of the chosen term --------------------------------------------------------------
  function drawGrades(grades) {
    if (gradeField) {
      var first = gradeField.querySelector(".form-check");
      var container = first ? first.parentNode : null;
      if (container) {
        var checked = gradeField.querySelector('input[name="grade"]:checked');
        var keep = checked ? checked.value : null;
        gradeField.querySelectorAll(".form-check").forEach(function (node) { node.remove(); });
        var anchor = container.firstChild;
        grades.forEach(function (grade, i) {
          var wrap = document.createElement("div");
          wrap.className = "form-check";
          var radio = document.createElement("input");
          radio.type = "radio";
          radio.className = "form-check-input";
          radio.name = "grade";
          radio.value = String(grade.grade);
          radio.id = "id_grade_" + i;
          radio.required = true;
          radio.checked = keep === radio.value;
          var text = document.createElement("label");
          text.className = "form-check-label";
          text.htmlFor = radio.id;
          text.textContent = grade.label;
          wrap.appendChild(radio);
          wrap.appendChild(text);
          container.insertBefore(wrap, anchor);
        });
      }
    }
    if (currentSelect) {
      var current = currentSelect.value;
      var options = [{ value: "", text: "—" }, { value: "0", text: gettext("Grade 0 (back to normal)") }];
      grades.forEach(function (grade) { options.push({ value: String(grade.grade), text: grade.short }); });
      currentSelect.textContent = "";
      options.forEach(function (item) {
        var option = document.createElement("option");
        option.value = item.value;
        option.textContent = item.text;
        option.selected = item.value === current;
        currentSelect.appendChild(option);
      });
    }
  }

  // --- irAE category suggested by the term ------------------------------------------------------
  // Pre-selected only while the AE is marked immune-related and the category was not chosen by
  // hand; answering "no" clears a pre-selected category (an AE that is not immune-related has none).
  var suggestion = form.getAttribute("data-irae-suggestion") || "";
  var autoSet = false;
  function immuneRelated() {
    var yes = form.querySelector('input[name="immune_related"][value="yes"]');
    return Boolean(yes && yes.checked);
  }
  function applySuggestion() {
    if (!iraeSelect) { return; }
    if (immuneRelated()) {
      if ((iraeSelect.value === "" || autoSet) && suggestion) {
        iraeSelect.value = suggestion;
        autoSet = true;
      }
    } else if (autoSet) {
      iraeSelect.value = "";
      autoSet = false;
    }
  }
  function suggestIrae(category) {
    suggestion = category || "";
    if (autoSet && !suggestion && iraeSelect) { iraeSelect.value = ""; autoSet = false; }
    applySuggestion();
  }
  if (iraeSelect) {
    iraeSelect.addEventListener("change", function () { autoSet = false; });
  }
  form.querySelectorAll('input[name="immune_related"]').forEach(function (radio) {
    radio.addEventListener("change", applySuggestion);
  });
})();
