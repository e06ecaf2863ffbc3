// The survival report's Kaplan-Meier curves (Chart.js, served from the npm package). The server
// computes every number (efficacy/rules/survival.py, lifelines) and passes the steps with
// json_script; each chart has a table equivalent on the page. Survival is in %, time in months.
(function () {
  "use strict";

  // Translations from Django's JavaScript catalog (/jsi18n/), when the page loads it.
  const gettext = typeof window.gettext === "function" ? window.gettext : (text) => text;
  const interpolate = typeof window.interpolate === "function"
    ? window.interpolate
    : (format, values) => format.replace(/%\((\w+)\)s/g, (match, name) => String(values[name]));

  const element = document.getElementById("survival-data");
  if (!element || typeof Chart === "undefined") return;
  const data = JSON.parse(element.textContent);

  // Colour is never the only signal: each group also has its own dash pattern and legend entry.
  const COLOURS = ["#0d6efd", "#d63384", "#198754", "#fd7e14", "#6f42c1", "#20c997", "#6c757d", "#dc3545"];
  const DASHES = [[], [8, 4], [2, 3], [10, 3, 2, 3], [4, 4], [12, 6], [1, 2], [6, 2, 2, 2]];

  function line(label, points, colour, dash) {
    return {
      type: "line", label, data: points.map((p) => ({ x: p.x, y: p.y })), stepped: true,
      borderColor: colour, backgroundColor: colour, borderWidth: 2, borderDash: dash,
      pointRadius: 0, pointHitRadius: 6, fill: false,
    };
  }

  function censored(label, marks, colour) {
    return {
      type: "scatter", label, data: marks, pointStyle: "cross", pointRadius: 5, pointBorderWidth: 1.5,
      borderColor: colour, backgroundColor: colour, showLine: false,
    };
  }

  function options(title) {
    return {
      maintainAspectRatio: false,
      animation: false,
      parsing: true,
      interaction: { mode: "nearest", intersect: false },
      scales: {
        x: { type: "linear", min: 0, title: { display: true, text: gettext("Months from diagnosis") } },
        y: { min: 0, max: 100, title: { display: true, text: title + " (%)" }, ticks: { callback: (v) => v + " %" } },
      },
      plugins: {
        legend: { position: "bottom", labels: { filter: (item) => !item.text.startsWith("_") } },
        tooltip: {
          filter: (item) => !item.dataset.label.startsWith("_"),
          callbacks: {
            label: (item) => interpolate(gettext("%(curve)s: %(survival)s at %(months)s months"), {
              curve: item.dataset.label, survival: item.parsed.y.toFixed(1) + " %", months: item.parsed.x.toFixed(1),
            }, true),
          },
        },
      },
    };
  }

  function overallChart(canvas, endpoint) {
    const curve = endpoint.overall;
    const colour = COLOURS[0];
    new Chart(canvas, {
      type: "line",
      data: {
        datasets: [
          { ...line("_lower", curve.points.map((p) => ({ x: p.x, y: p.lo })), colour, []), borderWidth: 0 },
          {
            ...line(interpolate(gettext("%(level)s confidence band"), { level: "95 %" }, true),
              curve.points.map((p) => ({ x: p.x, y: p.hi })), colour, []),
            borderWidth: 0, fill: "-1", backgroundColor: "rgba(13, 110, 253, 0.15)",
          },
          line(endpoint.label, curve.points, colour, []),
          censored(gettext("Censored"), curve.censored, "#212529"),
        ],
      },
      options: options(endpoint.label),
    });
    canvas.dataset.rendered = "true";
  }

  function groupsChart(canvas, endpoint) {
    const datasets = [];
    endpoint.groups.forEach((group, index) => {
      const colour = COLOURS[index % COLOURS.length];
      datasets.push(line(group.label, group.points, colour, DASHES[index % DASHES.length]));
      if (group.censored.length) datasets.push(censored("_" + group.label + " censored", group.censored, colour));
    });
    new Chart(canvas, { type: "line", data: { datasets }, options: options(endpoint.label) });
    canvas.dataset.rendered = "true";
  }

  document.querySelectorAll("canvas[data-endpoint]").forEach((canvas) => {
    const endpoint = data[canvas.dataset.endpoint];
    if (!endpoint) return;
    if (canvas.dataset.groups) {
      if (endpoint.groups.length) groupsChart(canvas, endpoint);
    } else if (endpoint.overall.points.length) {
      overallChart(canvas, endpoint);
    }
  });
})();
