// Keyboard shortcuts for agents; the list is templates/_partials/shortcuts.html ('?' opens it,
// without JavaScript it opens at the foot of every agent page). Nothing happens while typing in
// a field, except Escape (leave the field) and Ctrl/⌘+Enter in the reply box (send).
(() => {
  const help = document.getElementById("shortcuts");
  const typing = (el) => el instanceof HTMLElement && (el.isContentEditable ||
    (el.matches("input, textarea, select") && !el.matches("[type=checkbox], [type=radio], [type=submit], [type=button]")));
  const rows = () => Array.from(document.querySelectorAll("table.tickets tbody tr[data-ticket]"));
  let current = -1;
  let pending = "";  // the first key of a two-key shortcut ("g")
  let pendingTimer = 0;

  const select = (index) => {
    const list = rows();
    if (!list.length) return;
    current = Math.max(0, Math.min(index, list.length - 1));
    list.forEach((row, i) => row.classList.toggle("kbd-selected", i === current));
    const row = list[current];
    row.scrollIntoView({ block: "nearest" });
    const link = row.querySelector('a[href^="/agent/tickets/"]');
    if (link) link.focus({ preventScroll: true });
  };
  const selected = () => {
    const list = rows();
    if (current >= 0 && current < list.length) return list[current];
    const focused = document.activeElement?.closest?.("tr[data-ticket]");
    return focused || null;
  };
  const openHelp = (open) => {
    if (!help) return;
    help.classList.add("as-dialog");
    help.open = open;
    if (open) help.querySelector("summary")?.focus();
  };
  const focusReply = (kind) => {
    const box = document.getElementById("reply-text");
    if (!box) return false;
    const radio = document.querySelector(`input[name="kind"][value="${kind}"]`);
    if (radio) radio.checked = true;
    box.focus();
    box.scrollIntoView({ block: "center" });
    return true;
  };
  const go = (href) => { window.location.href = href; };

  // Closing the list by its summary or a click outside its panel leaves dialog mode.
  help?.addEventListener("toggle", () => { if (!help.open) help.classList.remove("as-dialog"); });
  document.addEventListener("click", (event) => {
    if (help?.open && help.classList.contains("as-dialog") && !event.target.closest(".shortcuts-panel, #shortcuts summary")) {
      help.open = false;
    }
  });

  document.addEventListener("keydown", (event) => {
    const el = event.target;
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && el.id === "reply-text" && el.form) {
      event.preventDefault();
      el.form.requestSubmit();
      return;
    }
    if (event.key === "Escape") {
      if (help?.open) { openHelp(false); event.preventDefault(); return; }
      if (typing(el)) { el.blur(); return; }
    }
    if (event.ctrlKey || event.metaKey || event.altKey || typing(el)) return;

    if (pending === "g") {
      pending = "";
      clearTimeout(pendingTimer);
      const target = { q: "/agent/", c: "/agent/customers", n: "/agent/notifications", f: "/agent/follow-ups", k: "/agent/kb/" }[event.key];
      if (target) { event.preventDefault(); go(target); }
      return;
    }
    switch (event.key) {
      case "?":
        event.preventDefault();
        openHelp(!(help?.open));
        return;
      case "/": {
        const box = document.querySelector(".filters input[name=q]") || document.querySelector(".top-search input[name=q]");
        if (!box) return;
        event.preventDefault();
        const toggle = document.getElementById("nav-toggle");
        if (box.closest(".topbar") && toggle && box.offsetParent === null) toggle.checked = true;
        box.focus();
        box.select();
        return;
      }
      case "g":
        pending = "g";
        pendingTimer = setTimeout(() => { pending = ""; }, 1500);
        return;
      case "j": case "k":
        if (!rows().length) return;
        event.preventDefault();
        select(current < 0 ? 0 : current + (event.key === "j" ? 1 : -1));
        return;
      case "o": case "Enter": {
        const row = selected();
        if (!row || (event.key === "Enter" && el instanceof HTMLAnchorElement && !row.contains(el))) return;
        const link = row.querySelector('a[href^="/agent/tickets/"]');
        if (link) { event.preventDefault(); go(link.href); }
        return;
      }
      case "x": {
        const box = selected()?.querySelector('input[name="ids"]');
        if (!box) return;
        event.preventDefault();
        box.checked = !box.checked;
        box.dispatchEvent(new Event("change", { bubbles: true }));
        return;
      }
      case "r": case "n":
        if (focusReply(event.key === "r" ? "reply" : "note")) event.preventDefault();
        return;
      case "u":
        if (document.querySelector("[data-live-ticket]")) { event.preventDefault(); go("/agent/"); }
        return;
      default:
    }
  });
})();
