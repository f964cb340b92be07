// The queue's bulk bar: a box that ticks every ticket on the page, and how many are ticked.
// Without it the checkboxes and the bulk form work as they are. Live updates (live.js) may
// swap the list, select-all box included: everything here is looked up when used.
(() => {
  const form = document.getElementById("bulk");
  if (!form || !document.querySelector("[data-bulk-all]")) return;
  const boxes = () => Array.from(document.querySelectorAll('input[name="ids"][form="bulk"]'));
  const count = form.querySelector("[data-bulk-count]");
  const open = () => form.closest("details")?.setAttribute("open", "");
  const show = () => {
    const ticked = boxes().filter((b) => b.checked).length;
    if (count) count.textContent = ticked ? `(${ticked})` : "";
    document.querySelectorAll("[data-bulk-all]").forEach((all) => {
      all.hidden = false;
      all.checked = ticked > 0 && ticked === boxes().length;
    });
    if (ticked) {
      const selected = form.querySelector('input[name="scope"][value="selected"]');
      if (selected && !form.querySelector('input[name="scope"][value="filter"]').checked) selected.checked = true;
    }
  };
  document.addEventListener("change", (event) => {
    const t = event.target;
    if (!(t instanceof HTMLInputElement)) return;
    if (t.matches("[data-bulk-all]")) {
      boxes().forEach((b) => { b.checked = t.checked; });
      show();
      if (t.checked) open();
    } else if (t.name === "ids") {
      show();
      if (t.checked) open();
    }
  });
  document.addEventListener("live:swapped", show);
  show();
})();
