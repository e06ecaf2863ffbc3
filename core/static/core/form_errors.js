// A form shown again with errors: focus goes to the first field marked aria-invalid, so that a
// keyboard or screen-reader user lands on it and hears its label and its error (the error is tied
// to the field by aria-describedby). Only when the page itself did not put the focus somewhere.
// Runs after the page's own scripts (a widget they replace, e.g. the AE term search box, is the
// field then).
document.addEventListener("DOMContentLoaded", () => {
  "use strict";
  const active = document.activeElement;
  if (active && active !== document.body) return;
  const shown = (element) => !element.closest("[hidden]") && element.getClientRects().length > 0;
  const invalid = Array.from(document.querySelectorAll('main [aria-invalid="true"]')).find(shown);
  if (invalid) invalid.focus();
});
