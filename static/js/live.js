// Live updates for agent pages (desk/web/live.py): a ticket page shows who else is on it
// and who is typing, takes in new messages without a reload, and refreshes its properties
// when they changed (or says so, when the agent has edits of their own there); the queue
// refreshes its list. Without JavaScript, or when the stream fails, pages stay as they are.
(() => {
  const root = document.querySelector("[data-live]");
  if (!root || !window.EventSource) return;
  const me = Number(document.body.dataset.user || 0);
  const ticket = root.dataset.liveTicket;
  const csrf = (document.querySelector("input[name=csrf_token]") || {}).value || "";
  const text = (name) => root.dataset[name] || "";
  // What the page shows, so the stream says at once what changed while it loaded.
  const seen = (name) => (document.querySelector("input[name=" + name + "]") || {}).value || "0";
  const params = new URLSearchParams(ticket
    ? { ticket, entry: seen("seen_entry"), message: seen("seen_message") } : { queue: "1" });
  const source = new EventSource("/agent/live?" + params);

  const fetchPage = async () => {
    const response = await fetch(location.href, { credentials: "same-origin" });
    if (!response.ok) return null;
    return new DOMParser().parseFromString(await response.text(), "text/html");
  };
  // A swapped part keeps the keyboard focus: an agent who had focused a card, a link or a
  // field in it (by its id) is on the same one in the fresh part, not back at the page's top.
  const swap = (page, selector) => {
    const fresh = page.querySelector(selector);
    const here = document.querySelector(selector);
    if (!fresh || !here) return;
    const focused = document.activeElement;
    const id = focused && focused !== document.body && here.contains(focused) ? focused.id : "";
    here.replaceWith(fresh);
    if (id) document.getElementById(id)?.focus({ preventScroll: true });
  };
  const dirty = new WeakSet();
  document.addEventListener("input", (event) => {
    const form = event.target.form;
    // A ticked ticket holds the queue by itself (below): unticked again, it holds nothing.
    if (form && event.target.name !== "ids") dirty.add(form);
  });
  const banner = (message) => {
    let bar = document.getElementById("live-banner");
    if (!bar) {
      bar = document.createElement("p");
      bar.id = "live-banner";
      bar.className = "notice live-banner";
      bar.setAttribute("role", "status");
      (document.querySelector("main") || root).prepend(bar);
    }
    bar.textContent = message + " ";
    const reload = document.createElement("a");
    reload.href = location.href;
    reload.textContent = text("reload");
    bar.append(reload);
  };

  // The queue's list stays while the agent is choosing tickets for a bulk action (the
  // checkboxes sit outside any form: form="bulk") or has edits in a form around the list.
  const holding = () => {
    const list = document.querySelector("[data-live-list]");
    const around = list && list.closest("form");
    const bulk = document.getElementById("bulk");
    return Boolean((around && dirty.has(around)) || (bulk && dirty.has(bulk))
      || document.querySelector('input[name="ids"][form="bulk"]:checked'));
  };
  // The side bar's counts (views, covering, saved views) take the fresh page's numbers; its
  // forms (save as a view) are left as they are.
  const swapCounts = (page) => {
    for (const name of ["data-view", "data-covering", "data-saved-view"]) {
      page.querySelectorAll("[" + name + "] .count").forEach((fresh) => {
        const key = fresh.closest("[" + name + "]").getAttribute(name);
        const here = document.querySelector("[" + name + '="' + CSS.escape(key) + '"] .count');
        if (here) here.textContent = fresh.textContent;
      });
    }
  };

  let pending = null;
  const refresh = (notice) => {
    clearTimeout(pending);
    pending = setTimeout(async () => {
      const page = await fetchPage();
      if (!page) return;
      if (ticket) {
        swap(page, ".conversation");
        // The agent now sees the new messages: their reply need not be held for them (a
        // status it sets is still checked against the version the page was opened at).
        const seen = page.querySelector("form[action$='/replies'] input[name=seen_message]");
        const mine = document.querySelector("form[action$='/replies'] input[name=seen_message]");
        if (seen && mine) mine.value = seen.value;
        swap(page, ".history");
        const props = document.querySelector("form.properties");
        if (props && dirty.has(props)) banner(text("changed"));
        else swap(page, "form.properties");
      } else if (holding()) {
        // Swapping the list would drop the agent's ticks or half-filled bulk form.
        banner(text("changed"));
      } else {
        swap(page, "[data-live-list]");
        swapCounts(page);
        document.dispatchEvent(new CustomEvent("live:swapped"));
      }
    }, ticket ? 50 : 400);
  };

  source.addEventListener("notice", (event) => {
    const notice = JSON.parse(event.data);
    if (ticket && notice.by === me && notice.kind === "updated") return;
    refresh(notice);
  });
  source.addEventListener("reload", () => banner(text("changed")));

  if (!ticket) return;
  const presence = document.getElementById("presence");
  source.addEventListener("presence", (event) => {
    const others = JSON.parse(event.data).filter((v) => v.user !== me);
    if (!presence) return;
    presence.hidden = others.length === 0;
    presence.textContent = others.length === 0 ? "" : text("here") + " " + others
      .map((v) => v.name + (v.state === "typing" ? " (" + text("typing") + ")" : ""))
      .join(", ");
  });
  const say = (state) => {
    const body = new URLSearchParams({ ticket, state, csrf_token: csrf });
    fetch("/agent/live/typing", { method: "POST", body, credentials: "same-origin" });
  };
  const reply = document.getElementById("reply-text");
  let typing = false;
  let quiet = null;
  let lastSaid = 0;
  if (reply) reply.addEventListener("input", () => {
    const now = Date.now();
    if (!typing || now - lastSaid > 10000) { say("typing"); typing = true; lastSaid = now; }
    clearTimeout(quiet);
    quiet = setTimeout(() => { typing = false; say("viewing"); }, 6000);
  });
})();
