/*
 * Highlights the field a data query is about, on whatever page shows the record (its own form, its
 * page, or the data-management record page). Loaded by templates/base.html only when the page was
 * opened with ?query=<id> and the context processor core.context_processors.query_highlight found
 * that query waiting on this record; the query travels in this script tag's data attributes.
 *
 * The input (or inputs: radio buttons) named like the queried field - or a row marked
 * data-field-name - gets a border and, under it, "Query: <question>" with a link back to the query to
 * answer it. The words say it is a query, so colour is never the only signal. A query on the whole
 * record, or on a field this page does not show, is shown at the top of the page instead.
 * Text is inserted as text, never as HTML.
 */
(function () {
  "use strict";

  // Words come from Django's JavaScript catalog (/jsi18n/) when the page loaded it, English otherwise.
  var gettext =
    typeof window.gettext === "function"
      ? window.gettext
      : function (text) {
          return text;
        };

  function format(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (whole, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : whole;
    });
  }

  var script = document.currentScript;
  if (!script) {
    return;
  }
  var data = script.dataset;
  var content = document.getElementById("content") || document.body;

  function messageBox(prefix, id) {
    var box = document.createElement("div");
    box.id = id;
    box.className = "alert alert-warning py-2 px-3 mt-2 mb-2 small";
    box.setAttribute("role", "note");
    box.setAttribute("data-testid", "query-highlight-message");
    var label = document.createElement("strong");
    label.textContent = prefix;
    box.appendChild(label);
    box.appendChild(document.createTextNode(" " + data.text + " "));
    var link = document.createElement("a");
    link.href = data.url;
    link.textContent = format(gettext("Open query #%(number)s (%(status)s) to answer it"), {
      number: data.queryId,
      status: data.status.toLowerCase(),
    });
    box.appendChild(link);
    return box;
  }

  function containerOf(element) {
    if (element.tagName === "TR") {
      return element;
    }
    return (
      element.closest("[id^='div_id_']") ||
      element.closest(".mb-3") ||
      element.closest("tr") ||
      element.parentElement
    );
  }

  function findTargets(name) {
    if (!name) {
      return [];
    }
    var escaped = window.CSS && CSS.escape ? CSS.escape(name) : name.replace(/["\\]/g, "\\$&");
    var found = content.querySelectorAll('[name="' + escaped + '"], [data-field-name="' + escaped + '"]');
    return Array.prototype.filter.call(found, function (element) {
      return element.type !== "hidden";
    });
  }

  var messageId = "query-highlight-" + data.queryId;
  var targets = findTargets(data.fieldName);
  if (targets.length) {
    var container = containerOf(targets[0]);
    container.classList.add("border", "border-warning", "border-3", "rounded");
    if (container.tagName !== "TR") {
      container.classList.add("p-2");
    }
    container.setAttribute("data-query-highlighted", data.fieldName);
    var box = messageBox(gettext("Query:"), messageId);
    if (container.tagName === "TR") {
      container.classList.add("table-warning");
      container.lastElementChild.appendChild(box);
    } else {
      container.appendChild(box);
    }
    targets.forEach(function (target) {
      if (target.matches("input, select, textarea")) {
        var described = target.getAttribute("aria-describedby");
        target.setAttribute("aria-describedby", described ? described + " " + messageId : messageId);
      }
    });
    container.scrollIntoView({ block: "center" });
    return;
  }

  var where = data.fieldName
    ? format(gettext("Query on %(field)s (not a field of this page):"), { field: data.fieldLabel || data.fieldName })
    : gettext("Query on this record:");
  var banner = messageBox(where, messageId);
  var messages = content.querySelector(".messages");
  if (messages) {
    messages.insertAdjacentElement("afterend", banner);
  } else {
    content.insertBefore(banner, content.firstChild);
  }
})();
