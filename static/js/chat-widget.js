// Desk's live chat widget. A site pastes one tag:
//   <script src="https://desk.example.com/chat/widget.js" data-widget="KEY" async></script>
// Optional: data-lang="zh-CN" (else the page's <html lang>), and for signed-in users
// window.DeskChatIdentity = {email, name, signature} (signature: HMAC-SHA256 of the email
// with the widget's secret, made on the site's server). No framework, no cookies: the
// conversation's token stays in this site's localStorage. Text is only ever shown as text.
(() => {
  "use strict";
  const script = document.currentScript;
  if (!script || !script.dataset.widget) return;
  const key = script.dataset.widget;
  const base = new URL(script.src).origin;
  const lang = (script.dataset.lang || document.documentElement.lang || navigator.language || "en")
    .toLowerCase().startsWith("zh") ? "zh-CN" : "en";
  const api = (path, query) => `${base}/chat/w/${encodeURIComponent(key)}/${path}?lang=${lang}${query || ""}`;
  const store = "desk-chat-" + key;
  const post = (path, body) => fetch(api(path), {
    method: "POST", body: JSON.stringify(body), headers: { "Content-Type": "text/plain" },
  }).then(async (r) => ({ ok: r.ok, status: r.status, data: await r.json().catch(() => ({})) }));

  let config = null;
  let token = null;
  try { token = localStorage.getItem(store); } catch (e) { token = null; }
  let events = null;
  let lastId = 0;
  let readId = 0;
  let theyRead = 0;  // the visitor's messages up to this id an agent has read
  let answered = false;
  const shown = new Set();
  const visit = "chat" + Math.random().toString(36).slice(2, 14);
  const t = (s) => (config && config.texts[s]) || s;

  const host = document.createElement("div");
  host.setAttribute("data-desk-chat", key);
  const root = host.attachShadow({ mode: "open" });
  const el = (tag, attrs, text) => {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    return node;
  };
  const style = el("style");
  style.textContent = `
:host{all:initial}*{box-sizing:border-box;font:14px/1.45 system-ui,-apple-system,"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif}
.btn{position:fixed;right:20px;bottom:20px;z-index:2147483000;border:0;border-radius:24px;padding:12px 18px;color:#fff;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.2)}
.panel{position:fixed;right:20px;bottom:76px;z-index:2147483000;width:340px;max-width:calc(100vw - 24px);height:480px;max-height:calc(100vh - 100px);background:#fff;color:#1f2933;border-radius:12px;box-shadow:0 8px 30px rgba(0,0,0,.25);display:flex;flex-direction:column;overflow:hidden}
.panel[hidden]{display:none}
header{padding:12px 14px;color:#fff;display:flex;justify-content:space-between;align-items:center}
header button{background:none;border:0;color:#fff;font-size:18px;cursor:pointer}
.log{flex:1;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:8px;background:#f5f7fa}
.msg{max-width:80%;padding:8px 10px;border-radius:10px;white-space:pre-wrap;word-wrap:break-word;background:#fff;border:1px solid #d9e2ec;align-self:flex-start}
.msg.mine{align-self:flex-end;color:#fff;border:0}
.who{font-size:12px;color:#616e7c;margin-bottom:2px}
.state{font-size:11px;opacity:.8;text-align:right}
.note{font-size:13px;color:#616e7c}
.typing{font-size:12px;color:#616e7c;padding:0 12px;min-height:18px;background:#f5f7fa}
form{display:flex;flex-direction:column;gap:6px;padding:10px;border-top:1px solid #d9e2ec}
input,textarea{width:100%;border:1px solid #cbd2d9;border-radius:6px;padding:7px}
textarea{resize:none;height:60px}
form button{border:0;border-radius:6px;padding:8px;color:#fff;cursor:pointer}
.actions{display:flex;gap:6px}.actions button[type=submit]{flex:1}
form button.attach{background:#e4e7eb;color:#1f2933;padding:8px 10px}
.suggest{padding:8px 12px;border-top:1px solid #d9e2ec;background:#fffbea}
.suggest a{display:block;color:#1f4fd1;margin:3px 0}
.suggest button{margin-top:4px;background:none;border:1px solid #cbd2d9;border-radius:6px;padding:4px 8px;cursor:pointer}
.error{color:#b42318;font-size:13px}`;
  const button = el("button", { class: "btn", type: "button", "aria-expanded": "false" }, "…");
  const panel = el("section", { class: "panel", role: "dialog", hidden: "" });
  const head = el("header");
  const title = el("strong");
  const close = el("button", { type: "button" }, "×");
  head.append(title, close);
  const log = el("div", { class: "log", role: "log", "aria-live": "polite" });
  const typingLine = el("div", { class: "typing" });
  const awayNote = el("div", { class: "note" });
  const suggestBox = el("div", { class: "suggest", hidden: "" });
  const form = el("form");
  const nameInput = el("input", { name: "name", autocomplete: "name", maxlength: "200" });
  const emailInput = el("input", { name: "email", type: "email", autocomplete: "email", maxlength: "320" });
  const text = el("textarea", { name: "text", maxlength: "5000" });
  const error = el("div", { class: "error", role: "alert" });
  const send = el("button", { type: "submit" });
  const attach = el("button", { type: "button", class: "attach" }, "📎");
  const file = el("input", { type: "file", hidden: "" });
  const actions = el("div", { class: "actions" });
  actions.append(attach, send);
  form.append(nameInput, emailInput, text, error, file, actions);
  panel.append(head, log, typingLine, suggestBox, form);
  root.append(style, button, panel);

  const paint = () => {
    for (const node of [button, head, send]) node.style.background = config.colour;
    button.textContent = t("Chat with us");
    title.textContent = t("Chat with us");
    close.setAttribute("aria-label", t("Close"));
    attach.setAttribute("aria-label", t("Send a file"));
    attach.title = t("Send a file");
    nameInput.placeholder = t("Your name");
    emailInput.placeholder = t("Your email");
    text.placeholder = t("Type a message…");
    send.textContent = t("Send");
    const askDetails = !token && config.ask_email;
    nameInput.hidden = !askDetails;
    emailInput.hidden = !askDetails;
    awayNote.textContent = t("We are away now. Leave a message and we will answer by email.");
    log.replaceChildren(el("div", { class: "note" }, config.greeting), awayNote);
    setOnline(config);
  };
  // Whether someone can chat now: asked again when the panel opens, and told by the stream.
  const setOnline = (c) => {
    config.online = c.online;
    if (c.ask_email !== undefined) config.ask_email = c.ask_email;
    awayNote.hidden = !!config.online;
    if (!token) nameInput.hidden = emailInput.hidden = !config.ask_email;
  };
  const refreshOnline = () => fetch(api("config")).then((r) => (r.ok ? r.json() : null))
    .then((c) => { if (c) setOnline(c); }).catch(() => { /* keep what we knew */ });

  const add = (m) => {
    if (shown.has(m.id)) return;
    shown.add(m.id);
    const box = el("div", { class: "msg" + (m.mine ? " mine" : ""), "data-id": String(m.id) });
    if (m.mine) box.style.background = config.colour;
    else {
      answered = true;
      suggestBox.hidden = true;
      if (m.author) box.append(el("div", { class: "who" }, m.author));
    }
    box.append(document.createTextNode(m.text));
    if (m.mine) box.append(el("div", { class: "state" }, t(m.id <= theyRead ? "Read" : "Sent")));
    log.append(box);
    log.scrollTop = log.scrollHeight;
    lastId = Math.max(lastId, m.id);
    markRead();
  };
  const wasRead = (d) => {
    theyRead = Math.max(theyRead, d.id);
    for (const n of log.querySelectorAll(".msg.mine .state")) {
      if (Number(n.parentNode.dataset.id) <= theyRead) n.textContent = t("Read");
    }
  };
  const markRead = () => {
    if (panel.hidden || document.visibilityState !== "visible" || !token) return;
    const ids = [...log.querySelectorAll(".msg:not(.mine)")].map((n) => Number(n.dataset.id));
    const newest = Math.max(0, ...ids);
    if (newest > readId) { readId = newest; say("read", { id: newest }); }
  };

  // A WebSocket first; where a network blocks it, server-sent events with POSTs.
  let socket = null;
  let useSocket = "WebSocket" in window;
  const acks = new Map();
  const showTyping = (who) => {
    typingLine.textContent = who.typing ? `${who.name} ${t("is typing")}…` : "";
  };
  const listen = () => {
    if (events || socket || !token || !lastId) return;
    const query = `&token=${encodeURIComponent(token)}&after=0`;
    if (useSocket) {
      const ws = new WebSocket(api("socket", query).replace(/^http/, "ws"));
      let opened = false;
      ws.onopen = () => { opened = true; socket = ws; };
      ws.onmessage = (e) => {
        const frame = JSON.parse(e.data);
        if (frame.type === "message") add(frame.data);
        else if (frame.type === "typing") showTyping(frame.data);
        else if (frame.type === "read") wasRead(frame.data);
        else if (frame.type === "availability") setOnline(frame.data);
        else if ((frame.type === "ack" || frame.type === "error") && acks.has(frame.id)) {
          acks.get(frame.id)(frame);
          acks.delete(frame.id);
        } else if (frame.type === "error") error.textContent = frame.error || "";
      };
      ws.onclose = () => {
        socket = null;
        if (!opened) useSocket = false;  // blocked: fall back at once
        setTimeout(listen, opened ? 2000 : 0);
      };
      return;
    }
    events = new EventSource(api("stream", query));
    events.addEventListener("message", (e) => add(JSON.parse(e.data)));
    events.addEventListener("typing", (e) => showTyping(JSON.parse(e.data)));
    events.addEventListener("read", (e) => wasRead(JSON.parse(e.data)));
    events.addEventListener("availability", (e) => setOnline(JSON.parse(e.data)));
    events.onerror = () => {
      if (events.readyState === EventSource.CLOSED) { events = null; setTimeout(listen, 3000); }
    };
  };
  const say = (path, body) => {
    if (socket && socket.readyState === WebSocket.OPEN) {
      if (path !== "messages") { socket.send(JSON.stringify({ type: path, ...body })); return Promise.resolve({ ok: true, data: {} }); }
      return new Promise((resolve) => {
        const timer = setTimeout(() => { acks.delete(body.id); resolve(post(path, { token, ...body })); }, 10000);
        acks.set(body.id, (frame) => {
          clearTimeout(timer);
          resolve(frame.type === "ack" ? { ok: true, data: { id: frame.message, ticket: frame.ticket } }
            : { ok: false, status: 400, data: { error: frame.error } });
        });
        socket.send(JSON.stringify({ type: "message", text: body.text, id: body.id }));
      });
    }
    return post(path, { token, ...body });
  };

  const begin = async () => {
    const identity = window.DeskChatIdentity || null;
    const res = await post("start", {
      token, identity, name: nameInput.value, email: emailInput.value, locale: lang,
      page: location.href,
    });
    if (!res.ok) {
      if (token && res.status !== 429) {  // an ended conversation: ask afresh
        token = null;
        try { localStorage.removeItem(store); } catch (e) { /* */ }
        paint();
      }
      error.textContent = res.data.error || "";
      return false;
    }
    token = res.data.token;
    try { localStorage.setItem(store, token); } catch (e) { /* private mode: this page only */ }
    nameInput.hidden = emailInput.hidden = true;
    for (const m of res.data.messages) add(m);
    listen();
    return true;
  };

  let typingSent = 0;
  let quiet = null;
  let suggestTimer = null;
  text.addEventListener("input", () => {
    if (token && lastId && Date.now() - typingSent > 4000) {
      typingSent = Date.now();
      say("typing", { state: "typing" });
    }
    clearTimeout(quiet);
    quiet = setTimeout(() => { if (token && lastId) { typingSent = 0; say("typing", { state: "viewing" }); } }, 5000);
    clearTimeout(suggestTimer);
    if (!answered) suggestTimer = setTimeout(suggest, 400);
  });
  text.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); form.requestSubmit(); }
  });

  const suggest = async () => {
    const q = text.value.trim();
    if (q.length < 3) { suggestBox.hidden = true; return; }
    const r = await fetch(api("suggest", `&visit=${visit}&q=${encodeURIComponent(q)}`)).then((x) => x.json()).catch(() => null);
    if (!r || !r.articles || !r.articles.length || answered) { suggestBox.hidden = true; return; }
    suggestBox.replaceChildren(el("div", { class: "note" }, t("Articles that may help")));
    for (const a of r.articles) {
      suggestBox.append(el("a", { href: a.url, target: "_blank", rel: "noopener", "data-article": String(a.id) }, a.title));
    }
    const helped = el("button", { type: "button" }, t("This answered my question"));
    helped.addEventListener("click", () => {
      post("deflected", { visit, articles: r.articles.map((a) => a.id) });
      suggestBox.hidden = true;
      text.value = "";
    });
    suggestBox.append(helped);
    suggestBox.hidden = false;
  };

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    error.textContent = "";
    const body = text.value.trim();
    if (!body) return;
    if (!token && !(await begin())) return;
    send.disabled = true;
    const res = await say("messages", { text: body, id: Date.now().toString(36) + Math.random().toString(36).slice(2, 8) });
    send.disabled = false;
    if (!res.ok) {
      if (res.status === 401) { token = null; try { localStorage.removeItem(store); } catch (x) { /* */ } }
      error.textContent = res.data.error || "";
      return;
    }
    text.value = "";
    suggestBox.hidden = true;
    add({ id: res.data.id, mine: true, author: "", text: body });
    listen();
  });

  attach.addEventListener("click", () => file.click());
  file.addEventListener("change", async () => {
    error.textContent = "";
    const chosen = file.files && file.files[0];
    if (!chosen) return;
    if (!token && !(await begin())) return;
    const body = new FormData();
    body.append("token", token);
    body.append("id", "f" + Date.now().toString(36));
    body.append("file", chosen);
    const r = await fetch(api("files"), { method: "POST", body });
    const data = await r.json().catch(() => ({}));
    file.value = "";
    if (!r.ok) { error.textContent = data.error || ""; return; }
    add({ id: data.id, mine: true, author: "", text: data.text });
    listen();
  });

  const toggle = (open) => {
    panel.hidden = !open;
    button.setAttribute("aria-expanded", String(open));
    if (open) {
      (token ? text : (nameInput.hidden ? text : nameInput)).focus(); markRead(); refreshOnline();
      if (token && !lastId) begin();
    }
  };
  button.addEventListener("click", () => toggle(panel.hidden));
  close.addEventListener("click", () => toggle(false));
  document.addEventListener("visibilitychange", markRead);
  addEventListener("pagehide", () => {
    if (token && lastId) navigator.sendBeacon(api("leave"), new Blob([JSON.stringify({ token })], { type: "text/plain" }));
  });

  fetch(api("config")).then((r) => (r.ok ? r.json() : null)).then((c) => {
    if (!c) return;
    config = c;
    paint();
    (document.body || document.documentElement).append(host);
    if (token) begin();
  }).catch(() => { /* Desk unreachable: no button */ });
})();
