// Any button marked data-print prints the page (the print stylesheet hides navigation and forms).
document.querySelectorAll("[data-print]").forEach((button) => {
  button.addEventListener("click", () => window.print());
});
