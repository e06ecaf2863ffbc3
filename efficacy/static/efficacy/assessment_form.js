// Live RECIST 1.1 computation of a follow-up tumour assessment: as a status or a diameter is
// entered, ask the preview endpoint (the computation the save runs) and show the sum, the changes
// from baseline and nadir, the target response and the overall response. The diameter input is
// enabled only for a measured lesion, and a note appears when the imaging method is not the
// baseline's. Without JavaScript the values appear after saving.
(function () {
  "use strict";
  // Translations from Django's JavaScript catalog (/jsi18n/), when the page loads it.
  const gettext = typeof window.gettext === "function" ? window.gettext : function (text) { return text; };
  const interpolate = typeof window.interpolate === "function" ? window.interpolate : function (format, values) {
    return format.replace(/%s/g, function () { return String(values.shift()); });
  };
  const form = document.getElementById("follow-up-form");
  if (!form) { return; }
  const url = form.dataset.previewUrl;
  const panel = form.querySelector('[data-testid="computed"]');
  const errorLine = panel.querySelector("[data-computed-error]");
  const notesList = panel.querySelector("[data-computed-notes]");
  const hint = panel.querySelector("[data-computed-hint]");
  const methodNote = document.getElementById("method-note");
  const methodSelect = form.querySelector('[name="imaging_method"]');
  const sitesInput = form.querySelector('[name="new_lesion_sites"]');
  const inputs = /^(lesion_\d+_(status|diameter_mm)|assessment_date|non_target_response|new_lesions)$/;
  let timer = null;
  let sequence = 0;

  function params() {
    const query = new URLSearchParams();
    Array.prototype.forEach.call(form.elements, function (element) {
      if (!element.name || !inputs.test(element.name) || element.disabled) { return; }
      if ((element.type === "radio" || element.type === "checkbox") && !element.checked) { return; }
      query.set(element.name, element.value.trim());
    });
    if (form.dataset.assessment) { query.set("assessment", form.dataset.assessment); }
    return query;
  }

  function show(values) {
    panel.querySelectorAll("[data-computed]").forEach(function (cell) {
      const value = values[cell.dataset.computed];
      cell.textContent = value === undefined || value === "" ? "—" : value;
    });
    notesList.textContent = "";
    (values.notes || []).forEach(function (text) {
      const item = document.createElement("li");
      item.textContent = text;
      notesList.appendChild(item);
    });
    errorLine.hidden = true;
    errorLine.textContent = "";
    if (hint) { hint.textContent = gettext("Computed from the values entered; stored when you save."); }
  }

  function showError(message) {
    panel.querySelectorAll("[data-computed]").forEach(function (cell) {
      if (cell.dataset.computed !== "baseline_sum") { cell.textContent = "—"; }
    });
    notesList.textContent = "";
    errorLine.textContent = interpolate(gettext("Not computed yet: %s"), [message]);
    errorLine.hidden = false;
  }

  function compute() {
    const mine = ++sequence;
    fetch(url + "?" + params().toString(), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      })
      .then(function (answer) {
        if (mine !== sequence) { return; }
        if (answer.ok) { show(answer.body); } else { showError(answer.body.error || gettext("check the values entered.")); }
      })
      .catch(function () { /* offline or session ended: the values are computed when saving */ });
  }

  function schedule() {
    window.clearTimeout(timer);
    timer = window.setTimeout(compute, 250);
  }

  function syncDiameter(select) {
    const lesion = select.name.replace(/_status$/, "");
    const diameter = form.querySelector('[name="' + lesion + '_diameter_mm"]');
    if (!diameter) { return; }
    const measured = select.value === "measured";
    diameter.disabled = !measured;
    diameter.setAttribute("aria-disabled", measured ? "false" : "true");
  }

  function syncMethod() {
    if (!methodNote || !methodSelect) { return; }
    methodNote.hidden = !methodSelect.value || methodSelect.value === form.dataset.baselineMethod;
  }

  function syncSites() {
    if (!sitesInput) { return; }
    const chosen = form.querySelector('[name="new_lesions"]:checked');
    sitesInput.required = Boolean(chosen && chosen.value !== "none");
  }

  form.addEventListener("input", function (event) {
    if (inputs.test(event.target.name || "")) { schedule(); }
  });
  form.addEventListener("change", function (event) {
    const name = event.target.name || "";
    if (/_status$/.test(name)) { syncDiameter(event.target); }
    if (name === "imaging_method") { syncMethod(); }
    if (name === "new_lesions") { syncSites(); }
    if (inputs.test(name)) { schedule(); }
  });
  // A disabled input is not submitted; enable them all just before the form is sent.
  form.addEventListener("submit", function () {
    form.querySelectorAll('[name$="_diameter_mm"]').forEach(function (input) { input.disabled = false; });
  });

  form.querySelectorAll('select[name$="_status"]').forEach(syncDiameter);
  syncMethod();
  syncSites();
  // Values already on the page (a correction, or a form sent back with errors): compute them now.
  const filled = Array.prototype.some.call(form.querySelectorAll('[name$="_diameter_mm"]'), function (input) {
    return input.value.trim() !== "";
  });
  if (filled || form.querySelectorAll('select[name$="_status"]').length === 0) { compute(); }
})();
