// Suggest-as-you-type on the request form, and the deflection counts.
// Without this script the form works as before and the search-first step stays.
// Counts (one per visit, article and kind on the server): "suggested" when shown,
// "opened" on click, then "submitted" when the form is sent, or "abandoned" when the
// page is left without sending it. Suggested articles open in a new tab, so leaving
// this page really means leaving the form.
(function () {
  "use strict";
  var form = document.querySelector("form[data-deflect]");
  var box = document.getElementById("kb-suggestions");
  var subject = form && form.querySelector("#subject");
  if (!form || !box || !subject || !window.fetch || !window.URLSearchParams) return;

  var DEBOUNCE_MS = 250, MIN_CHARS = 2, FLUSH_MS = 1500, BATCH = 10;
  var list = box.querySelector("ul");
  var locale = box.getAttribute("data-locale") || "en";
  var visit = randomId();
  var answers = {};          // query -> articles, for typing back and forth
  var shown = {}, unsent = [], opened = [], submitted = false, left = false;
  var timer = 0, flushTimer = 0, composing = false, asked = 0, lastQuery = null;

  var searchFirst = document.querySelector("form.search-first");
  if (searchFirst) searchFirst.hidden = true;  // typing the subject does the same, live

  function randomId() {
    var bytes = new Uint8Array(12);
    (window.crypto || window.msCrypto).getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function send(kind, ids) {
    for (var i = 0; i < ids.length; i += BATCH) {
      var body = new URLSearchParams();
      body.append("visit", visit);
      body.append("kind", kind);
      ids.slice(i, i + BATCH).forEach(function (id) { body.append("article", String(id)); });
      if (!(navigator.sendBeacon && navigator.sendBeacon("/help/deflection", body))) {
        fetch("/help/deflection", { method: "POST", body: body, keepalive: true, credentials: "same-origin" })
          .catch(function () {});
      }
    }
  }

  function flushShown() {
    clearTimeout(flushTimer);
    if (unsent.length) { send("suggested", unsent); unsent = []; }
  }

  function render(articles) {
    list.textContent = "";
    articles.forEach(function (a) {
      var item = document.createElement("li");
      item.setAttribute("data-article", a.id);
      var link = document.createElement("a");
      link.href = a.url + "?from=suggest&visit=" + encodeURIComponent(visit);
      link.target = "_blank";
      link.rel = "noopener";
      link.textContent = a.title;
      link.setAttribute("data-id", a.id);
      item.appendChild(link);
      if (a.snippet) {
        var p = document.createElement("p");
        p.className = "muted";
        p.textContent = a.snippet;
        item.appendChild(p);
      }
      list.appendChild(item);
      if (!shown[a.id]) { shown[a.id] = true; unsent.push(a.id); }
    });
    box.hidden = articles.length === 0;
    if (unsent.length) { clearTimeout(flushTimer); flushTimer = setTimeout(flushShown, FLUSH_MS); }
  }

  function lookUp() {
    var q = subject.value.trim();
    if (q === lastQuery) return;
    lastQuery = q;
    if (q.length < MIN_CHARS) { render([]); return; }
    if (answers[q]) { render(answers[q]); return; }
    var mine = ++asked;
    var url = "/help/suggest?" + new URLSearchParams({ q: q, locale: locale }).toString();
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : { articles: [] }; })
      .then(function (data) {
        answers[q] = data.articles || [];
        if (mine === asked) render(answers[q]);  // an older answer arriving late is dropped
      })
      .catch(function () {});
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(lookUp, DEBOUNCE_MS);
  }

  // Chinese and other IME input: wait until the characters are chosen.
  subject.addEventListener("compositionstart", function () { composing = true; });
  subject.addEventListener("compositionend", function () { composing = false; schedule(); });
  subject.addEventListener("input", function (event) {
    if (!composing && !event.isComposing) schedule();
  });

  function opening(event) {
    var link = event.target.closest && event.target.closest("a[data-id]");
    if (!link) return;
    var id = Number(link.getAttribute("data-id"));
    flushShown();
    if (opened.indexOf(id) < 0) { opened.push(id); send("opened", [id]); }
  }
  list.addEventListener("click", opening);
  list.addEventListener("auxclick", opening);  // middle click: a new tab as well

  form.addEventListener("submit", function () {
    flushShown();
    submitted = true;
    if (opened.length) send("submitted", opened);
  });

  window.addEventListener("pagehide", function () {
    flushShown();
    if (opened.length && !submitted && !left) { left = true; send("abandoned", opened); }
  });

  if (subject.value.trim().length >= MIN_CHARS) schedule();  // kept input after an error
})();
