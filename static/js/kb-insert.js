// "Insert link" / "Insert text" on the ticket page's suggested articles: put the article's
// public link or its text into the reply box at the cursor. Without this script the
// link is shown to copy by hand.
(function () {
  "use strict";
  var card = document.getElementById("kb-suggested");
  var reply = document.getElementById("reply-text");
  if (!card || !reply) return;

  function insert(text) {
    var start = reply.selectionStart, end = reply.selectionEnd, value = reply.value;
    if (typeof start !== "number") { start = end = value.length; }
    var before = value.slice(0, start), after = value.slice(end);
    var gap = before && !/\s$/.test(before) ? "\n" : "";
    reply.value = before + gap + text + after;
    var caret = (before + gap + text).length;
    reply.focus();
    reply.setSelectionRange(caret, caret);
    reply.dispatchEvent(new Event("input", { bubbles: true }));
  }

  card.querySelectorAll(".kb-insert").forEach(function (buttons) { buttons.hidden = false; });
  card.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-insert]");
    if (!button) return;
    var item = button.closest("li");
    if (button.getAttribute("data-insert") === "link") {
      insert(item.querySelector(".kb-link").value);
    } else {
      insert(item.querySelector(".kb-text").value);
    }
  });
})();
