// django-import-export's export page wires its "Select all" box with an inline onchange
// attribute, which the Content-Security-Policy (no inline script) blocks. Wire it here.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("input.select-toggle").forEach((box) => {
    box.addEventListener("change", onSelectToggleChange);
  });
});
