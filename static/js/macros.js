// The reply box's macro select: choosing a macro puts its text (filled in for this ticket)
// at the cursor and its status in "And set status to", without leaving the page. Without
// this script the "Use" button reloads the page with the reply box filled in.
(() => {
  const pick = document.querySelector("form[data-macro-pick]");
  const box = document.getElementById("reply-text");
  if (!pick || !box) return;
  const select = pick.querySelector("select[name=macro]");
  const reply = box.form;
  select.addEventListener("change", async () => {
    if (!select.value) return;
    const response = await fetch(`/agent/tickets/${pick.dataset.macroPick}/macros/${select.value}`,
      { headers: { Accept: "application/json" }, credentials: "same-origin" });
    if (!response.ok) return;
    const macro = await response.json();
    const start = box.selectionStart ?? box.value.length;
    const end = box.selectionEnd ?? box.value.length;
    box.value = box.value.slice(0, start) + macro.text + box.value.slice(end);
    box.focus();
    box.selectionStart = box.selectionEnd = start + macro.text.length;
    const status = reply.querySelector("select[name=status]");
    if (status && macro.status) status.value = macro.status;
    let hidden = reply.querySelector("input[name=macro_id]");
    if (!hidden) {
      hidden = document.createElement("input");
      hidden.type = "hidden";
      hidden.name = "macro_id";
      reply.appendChild(hidden);
    }
    hidden.value = String(macro.id);
    select.value = "";
  });
})();
