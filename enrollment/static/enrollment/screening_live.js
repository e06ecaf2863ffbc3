// Live eligibility: post the unsaved screening form to the evaluate endpoint (which runs the same
// rules as the save) and update each criterion's outcome and reason as the coordinator types.
(function () {
  "use strict";
  const form = document.getElementById("screening-form");
  if (!form) { return; }
  const url = form.dataset.evaluateUrl;
  const overall = document.getElementById("overall");
  const badgeClass = { pass: "text-bg-success", fail: "text-bg-danger", missing: "text-bg-secondary" };
  // Translated through the JavaScript catalog (/jsi18n/) when the page loads it; English otherwise.
  const gettext = typeof window.gettext === "function" ? window.gettext : function (text) { return text; };
  const pgettext = typeof window.pgettext === "function" ? window.pgettext : function (context, text) { return text; };
  const statusLabel = {
    pass: pgettext("criterion outcome", "pass"),
    fail: pgettext("criterion outcome", "fail"),
    missing: pgettext("criterion outcome", "missing")
  };
  let timer = null;
  let sequence = 0;

  function render(result) {
    result.criteria.forEach(function (row) {
      const tr = document.querySelector('tr[data-criterion="' + row.id + '"]');
      if (!tr) { return; }
      tr.className = "criterion-" + row.status;
      const badge = tr.querySelector(".criterion-status .badge");
      badge.className = "badge " + badgeClass[row.status];
      badge.textContent = statusLabel[row.status] || row.status;
      tr.querySelector(".criterion-reason").textContent = row.reason;
    });
    if (result.eligible === true) {
      overall.className = "badge text-bg-success"; overall.textContent = gettext("Eligible");
    } else if (result.eligible === false) {
      overall.className = "badge text-bg-danger"; overall.textContent = gettext("Not eligible");
    } else {
      overall.className = "badge text-bg-secondary"; overall.textContent = gettext("Incomplete");
    }
    form.querySelectorAll(".live-error").forEach(function (el) { el.remove(); });
    form.querySelectorAll(".is-invalid.live-invalid").forEach(function (el) {
      el.classList.remove("is-invalid", "live-invalid");
    });
    Object.keys(result.errors).forEach(function (name) {
      const input = form.querySelector('[name="' + name + '"]');
      if (!input) { return; }
      input.classList.add("is-invalid", "live-invalid");
      const message = document.createElement("div");
      message.className = "invalid-feedback d-block live-error";
      message.id = "live_error_" + name;
      message.textContent = result.errors[name];
      input.setAttribute("aria-describedby", message.id);
      (input.closest(".input-group") || input).insertAdjacentElement("afterend", message);
    });
  }

  function evaluate() {
    const mine = ++sequence;
    const body = new FormData(form);
    fetch(url, { method: "POST", body: body, headers: { "X-CSRFToken": body.get("csrfmiddlewaretoken") },
                 credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (result) { if (result && mine === sequence) { render(result); } })
      .catch(function () { /* offline or session ended: the saved page still evaluates on save */ });
  }

  function schedule() {
    window.clearTimeout(timer);
    timer = window.setTimeout(evaluate, 250);
  }
  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
})();
