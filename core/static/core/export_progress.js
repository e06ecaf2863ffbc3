// Study export page: each export still queued or running (a row with data-status-url) asks the
// server for its progress every two seconds and updates its bar, step and row count; when it is
// done the download link appears (or the error, if it failed).
// Words come from Django's JavaScript catalog (/jsi18n/) when the page loaded it, English otherwise.
(function () {
  "use strict";
  const POLL_MS = 2000;
  const gettext = typeof window.gettext === "function" ? window.gettext : (text) => text;

  function text(row, role, value) {
    const element = row.querySelector(`[data-role="${role}"]`);
    if (element) element.textContent = value;
    return element;
  }

  function showProgress(row, status) {
    const bar = row.querySelector('[data-role="progress"]');
    if (bar) {
      bar.setAttribute("aria-valuenow", String(status.percent));
      const inner = bar.querySelector(".progress-bar");
      inner.style.width = `${status.percent}%`;
      inner.textContent = `${status.percent}%`;
      if (status.finished) inner.classList.remove("progress-bar-striped", "progress-bar-animated");
    }
    const badge = text(row, "status", status.status_label);
    if (badge) {
      badge.classList.remove("text-bg-secondary", "text-bg-success", "text-bg-danger");
      badge.classList.add(status.status === "done" ? "text-bg-success" : status.status === "failed" ? "text-bg-danger" : "text-bg-secondary");
    }
    text(row, "step", status.current_step);
    text(row, "rows", String(status.rows_written));
    text(row, "error", status.error || "");
    if (status.finished) {
      const cell = row.querySelector('[data-role="file"]');
      if (cell && status.download_url) {
        cell.textContent = "";
        const link = document.createElement("a");
        link.href = status.download_url;
        link.textContent = gettext("Download ZIP");
        cell.appendChild(link);
      } else if (cell) {
        cell.textContent = status.status === "done" ? status.current_step : "—";
      }
    }
  }

  function poll(row) {
    const url = row.dataset.statusUrl;
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
      .then((status) => {
        showProgress(row, status);
        if (!status.finished) window.setTimeout(() => poll(row), POLL_MS);
      })
      .catch((code) => {
        // Gone or no longer allowed: stop asking. Anything else (network, server restart): try again later.
        if (code !== 403 && code !== 404) window.setTimeout(() => poll(row), POLL_MS * 5);
      });
  }

  document.querySelectorAll("tr[data-status-url]").forEach((row) => window.setTimeout(() => poll(row), POLL_MS));
})();
