// The toxicity dashboard's charts (Chart.js, served from the npm package). The server computes the
// numbers and passes them with json_script; each chart has a table equivalent on the page.
(function () {
  "use strict";

  // Texts come from the JavaScript catalog (/jsi18n/, loaded by base.html); without it, English.
  const gettext = typeof window.gettext === "function" ? window.gettext : function (text) { return text; };
  const interpolate = typeof window.interpolate === "function" ? window.interpolate : function (format, values) {
    return format.replace(/%\((\w+)\)s/g, function (match, name) { return String(values[name]); });
  };

  function readJson(id) {
    const element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }

  function socGradeChart() {
    const canvas = document.getElementById("chart-soc-grade");
    const data = readJson("soc-grade-data");
    if (!canvas || !data || !data.labels.length) return;
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: data.datasets.map((set) => ({
          label: set.label,
          data: set.data,
          backgroundColor: set.colour,
          borderColor: "#495057",
          borderWidth: 0.5,
        })),
      },
      options: {
        indexAxis: "y",
        maintainAspectRatio: false,
        animation: false,
        scales: {
          x: { stacked: true, beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: data.axis } },
          y: { stacked: true },
        },
        plugins: { legend: { position: "bottom" } },
      },
    });
    canvas.dataset.rendered = "true";
  }

  function iraeOnsetChart() {
    const canvas = document.getElementById("chart-irae-onset");
    const data = readJson("irae-onset-data");
    if (!canvas || !data || !data.labels.length) return;
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: [{ label: data.axis, data: data.days, backgroundColor: data.colours, borderColor: "#495057", borderWidth: 0.5 }],
      },
      options: {
        indexAxis: "y",
        maintainAspectRatio: false,
        animation: false,
        scales: {
          x: { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: data.axis } },
        },
        plugins: {
          legend: { display: false },
          tooltip: { callbacks: { label: (item) => interpolate(gettext("%(count)s days"), { count: item.raw }, true) } },
        },
      },
    });
    canvas.dataset.rendered = "true";
  }

  socGradeChart();
  iraeOnsetChart();
})();
