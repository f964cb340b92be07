// The queue's bulk bar: a box that ticks every ticket on the page, and how many are ticked.
// Without it the checkboxes and the bulk form work as they are.
(() => {
  const all = document.querySelector("[data-bulk-all]");
  const form = document.getElementById("bulk");
  if (!all || !form) return;
  const boxes = () => Array.from(document.querySelectorAll('input[name="ids"][form="bulk"]'));
  const count = form.querySelector("[data-bulk-count]");
  const show = () => {
    const ticked = boxes().filter((b) => b.checked).length;
    if (count) count.textContent = ticked ? `(${ticked})` : "";
    all.checked = ticked > 0 && ticked === boxes().length;
    if (ticked) {
      const selected = form.querySelector('input[name="scope"][value="selected"]');
      if (selected && !form.querySelector('input[name="scope"][value="filter"]').checked) selected.checked = true;
    }
  };
  all.hidden = false;
  all.addEventListener("change", () => {
    boxes().forEach((b) => { b.checked = all.checked; });
    show();
    if (all.checked) form.closest("details")?.setAttribute("open", "");
  });
  document.addEventListener("change", (event) => {
    const t = event.target;
    if (t instanceof HTMLInputElement && t.name === "ids") {
      show();
      if (t.checked) form.closest("details")?.setAttribute("open", "");
    }
  });
  show();
})();
