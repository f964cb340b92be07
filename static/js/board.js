// The kanban board (templates/tickets/board.html), improved: drag a card to another column,
// or focus a card and press the left or right arrow key. Both post to the same endpoint as the
// card's Move menu (which works without this script) and ask for JSON; a refusal is shown
// with the server's reason and the card stays where it was. Listeners sit on the document, so
// they keep working when live updates (live.js) swap in a fresh board.
(() => {
  if (!document.querySelector("[data-board]")) return;
  const board = () => document.querySelector("[data-board]");
  const errorBox = document.querySelector("[data-board-error]");
  const statusBox = document.querySelector("[data-board-status]");
  const columns = () => Array.from(board().querySelectorAll("[data-column]"));
  const columnOf = (status) => columns().find((c) => c.dataset.column === status);
  const label = (status) => {
    const heading = columnOf(status)?.querySelector("h2 .status");
    return heading ? heading.textContent.trim() : status;
  };

  const bump = (column, delta) => {
    const count = column?.querySelector("[data-count]");
    if (!count || count.textContent.trim().endsWith("+")) return;
    count.textContent = String(Math.max(0, Number(count.textContent) + delta));
  };

  const place = (card, status) => {
    const from = columnOf(card.dataset.status);
    const to = columnOf(status);
    if (!to) return;
    const list = to.querySelector(".cards");
    list.querySelector(".board-empty")?.remove();
    list.prepend(card);
    bump(from, -1);
    bump(to, 1);
    card.dataset.status = status;
    const select = card.querySelector("select[name=status]");
    if (select) select.value = status;
  };

  async function move(card, status) {
    if (!card || !status || status === card.dataset.status) return;
    errorBox.textContent = "";
    const body = new FormData();
    body.append("csrf_token", board().dataset.csrf);
    body.append("status", status);
    body.append("back", board().dataset.back);
    if (card.dataset.version) body.append("version", card.dataset.version);
    try {
      const response = await fetch(`/agent/board/move/${card.dataset.ticket}`, {
        method: "POST", body, headers: { Accept: "application/json" }, credentials: "same-origin",
      });
      const answer = await response.json().catch(() => ({ error: response.statusText }));
      card = document.getElementById(card.id) || card;
      if (answer.version) card.dataset.version = answer.version;
      if (!response.ok) {
        errorBox.textContent = answer.error || response.statusText;
        // Changed by someone else meanwhile: show the card where it is now.
        if (answer.status && answer.status !== card.dataset.status) place(card, answer.status);
        return;
      }
    } catch (failure) {
      errorBox.textContent = String(failure);
      return;
    }
    // A live update may have swapped in a fresh board while the move was on its way.
    card = document.getElementById(card.id) || card;
    place(card, status);
    statusBox.textContent = `#${card.dataset.ticket} → ${label(status)}`;
    card.focus();
  }

  // Dragging.
  let dragged = null;
  const target = (event) => (dragged ? event.target.closest?.("[data-board] [data-column]") : null);
  document.addEventListener("dragstart", (event) => {
    const card = event.target.closest?.("[data-board] .card");
    if (!card) return;
    dragged = card;
    card.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.dataset.ticket);
  });
  document.addEventListener("dragend", () => {
    dragged?.classList.remove("dragging");
    dragged = null;
    columns().forEach((c) => c.classList.remove("drop-target"));
  });
  document.addEventListener("dragover", (event) => {
    const column = target(event);
    if (!column || dragged.dataset.status === column.dataset.column) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    columns().forEach((c) => c.classList.toggle("drop-target", c === column));
  });
  document.addEventListener("drop", (event) => {
    const column = target(event);
    if (!column) return;
    event.preventDefault();
    column.classList.remove("drop-target");
    move(dragged, column.dataset.column);
  });

  // The keyboard: arrows move a focused card to the nearest column it may go to.
  document.addEventListener("keydown", (event) => {
    const card = event.target;
    if (!(card instanceof HTMLElement) || !card.matches("[data-board] .card")) return;
    if (event.key !== "ArrowLeft" && event.key !== "ArrowRight") return;
    event.preventDefault();
    const select = card.querySelector("select[name=status]");
    const allowed = select ? Array.from(select.options, (o) => o.value) : [];
    const order = columns().map((c) => c.dataset.column);
    const here = order.indexOf(card.dataset.status);
    const step = event.key === "ArrowRight" ? 1 : -1;
    for (let i = here + step; i >= 0 && i < order.length; i += step) {
      if (allowed.includes(order[i])) {
        move(card, order[i]);
        return;
      }
    }
    errorBox.textContent = board().dataset.nowhere || "";
  });

  // The Move menu: the same move without leaving the page.
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.matches("[data-board] .card-move")) return;
    event.preventDefault();
    move(form.closest(".card"), form.elements.status.value);
  });
})();
