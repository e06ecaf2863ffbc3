// Live CTCAE v5.0 grading of a lab panel: as a value, LLN or ULN is typed, ask the grade endpoint
// (the same grading the save runs) and show the grade badge with its text next to the value, e.g.
// "Grade 3 — ALT >5.0 - 20.0 x ULN". Without JavaScript the grades appear after saving.
(function () {
  "use strict";
  // Texts come from the JavaScript catalog (/jsi18n/, loaded by base.html); without it, English.
  const gettext = typeof window.gettext === "function" ? window.gettext : function (text) { return text; };
  const interpolate = typeof window.interpolate === "function" ? window.interpolate : function (format, values) {
    return format.replace(/%\((\w+)\)s/g, function (match, name) { return String(values[name]); });
  };
  const form = document.getElementById("lab-panel-form");
  if (!form) { return; }
  const url = form.dataset.gradeUrl;
  const dateInput = form.querySelector('[name="collected_on"]');
  const timers = new Map();
  const sequence = new Map();

  function field(row, kind) {
    return row.querySelector('[data-lab="' + kind + '"]');
  }

  function show(row, text, css, basis) {
    const badge = row.querySelector("[data-grade-badge]");
    badge.className = "badge " + css;
    badge.textContent = text;
    badge.title = basis || "";
    row.querySelector("[data-grade-basis]").textContent = basis || "";
  }

  function grade(row) {
    const code = row.dataset.analyte;
    const value = field(row, "value").value.trim();
    if (!value) { show(row, "", "", ""); return; }
    const params = new URLSearchParams({
      analyte: code, value: value, lln: field(row, "lln").value.trim(), uln: field(row, "uln").value.trim(),
    });
    if (form.dataset.participant) { params.set("participant", form.dataset.participant); }
    if (form.dataset.panel) { params.set("panel", form.dataset.panel); }
    if (dateInput && dateInput.value) { params.set("collected_on", dateInput.value); }
    const mine = (sequence.get(code) || 0) + 1;
    sequence.set(code, mine);
    fetch(url + "?" + params.toString(), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      })
      .then(function (answer) {
        if (sequence.get(code) !== mine) { return; }
        if (answer.ok) {
          show(row, answer.body.label, answer.body.css, answer.body.basis);
        } else {
          const reason = answer.body.error || gettext("check the value");
          show(row, interpolate(gettext("Cannot grade: %(reason)s"), { reason: reason }, true), "text-bg-light border", "");
        }
      })
      .catch(function () { /* offline or session ended: the grade is shown after saving */ });
  }

  function schedule(row) {
    const code = row.dataset.analyte;
    window.clearTimeout(timers.get(code));
    timers.set(code, window.setTimeout(function () { grade(row); }, 250));
  }

  form.addEventListener("input", function (event) {
    const row = event.target.closest("tr[data-analyte]");
    if (row) { schedule(row); }
  });
  if (dateInput) {
    dateInput.addEventListener("change", function () {
      form.querySelectorAll("tr[data-analyte]").forEach(function (row) {
        if (field(row, "value").value.trim()) { schedule(row); }
      });
    });
  }
  // Values already on the page (a correction, or a form sent back with errors): grade them now.
  form.querySelectorAll("tr[data-analyte]").forEach(function (row) {
    if (field(row, "value").value.trim()) { grade(row); }
  });
})();
