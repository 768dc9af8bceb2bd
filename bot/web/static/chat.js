// The web chat: keeps the conversation in localStorage and talks to POST /api/chat. Who is talking is the server's
// business: it issues an HttpOnly identity cookie with the first answer, which this script never sees or makes up.
(function () {
  "use strict";
  var log = document.getElementById("log");
  var form = document.getElementById("form");
  var input = document.getElementById("input");
  var send = document.getElementById("send");
  var KEY_LOG = "wufei.log", KEY_INBOX = "wufei.inbox", KEY_CHATTED = "wufei.chatted";
  var POLL_MS = 15000;
  localStorage.removeItem("wufei.user");  // the self-made id of earlier versions: no longer anyone's credential

  function history() {
    try { return JSON.parse(localStorage.getItem(KEY_LOG) || "[]"); } catch (e) { return []; }
  }

  function remember(entry) {
    var h = history();
    h.push(entry);
    localStorage.setItem(KEY_LOG, JSON.stringify(h.slice(-100)));
  }

  function web(url) { return typeof url === "string" && /^https?:\/\//.test(url); }

  // A campaign's 图文 article: picture, title and summary, opening its (tracked) link in a new tab.
  function card(c) {
    if (!c || !web(c.url)) return;
    var a = document.createElement("a");
    a.className = "news-card";
    a.href = c.url;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    if (web(c.picurl)) {
      var img = document.createElement("img");
      img.src = c.picurl;
      img.alt = "";
      img.loading = "lazy";
      a.appendChild(img);
    }
    var title = document.createElement("b");
    title.textContent = c.title || "";
    a.appendChild(title);
    if (c.description) {
      var p = document.createElement("span");
      p.textContent = c.description;
      a.appendChild(p);
    }
    log.appendChild(a);
  }

  function bubble(who, text, choices, live, news) {
    var div = document.createElement("div");
    div.className = "msg " + who;
    div.textContent = text;
    log.appendChild(div);
    card(news);
    if (choices && choices.length && live) {
      var box = document.createElement("div");
      box.className = "choices";
      choices.forEach(function (c) {
        var b = document.createElement("button");
        b.type = "button";
        b.textContent = c.key + " " + c.label;
        b.addEventListener("click", function () {
          Array.prototype.forEach.call(box.querySelectorAll("button"), function (x) { x.disabled = true; });
          ask(c.key);
        });
        box.appendChild(b);
      });
      log.appendChild(box);
    }
    log.scrollTop = log.scrollHeight;
  }

  function ask(text) {
    text = (text || "").trim();
    if (!text) return;
    bubble("me", text);
    remember({ who: "me", text: text });
    send.disabled = true;
    fetch("/api/chat", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      credentials: "same-origin",
      body: JSON.stringify({ text: text })
    }).then(function (r) {
      if (r.status === 429) {
        return r.json().then(function (data) { return { replies: [{ text: data.detail }] }; });
      }
      if (!r.ok) throw new Error("HTTP " + r.status);
      localStorage.setItem(KEY_CHATTED, "1");  // the server now knows this browser: its inbox can be polled
      return r.json();
    }).then(function (data) {
      data.replies.forEach(function (rep) {
        bubble("bot", rep.text, rep.choices, true);
        remember({ who: "bot", text: rep.text });
      });
    }).catch(function () {
      bubble("bot error", "网络好像不太稳定，请稍后再试。");
    }).then(function () {
      send.disabled = false;
      input.focus();
    });
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var text = input.value;
    input.value = "";
    ask(text);
  });
  Array.prototype.forEach.call(document.querySelectorAll("#quick button"), function (b) {
    b.addEventListener("click", function () { ask(b.getAttribute("data-q")); });
  });

  // Campaign pushes for this browser wait in the server's outbox; fetch what is newer than the last one shown.
  // Before the first message there is no identity, so there is nothing to poll.
  var polling = false;
  function poll() {
    if (polling || !localStorage.getItem(KEY_CHATTED)) return Promise.resolve();
    polling = true;
    var after = parseInt(localStorage.getItem(KEY_INBOX) || "0", 10) || 0;
    return fetch("/api/chat/inbox?after=" + after, { credentials: "same-origin" })
      .then(function (r) {
        if (r.status === 401) localStorage.removeItem(KEY_CHATTED);  // the cookie is gone: wait for a message
        return r.ok ? r.json() : null;
      })
      .then(function (data) {
        if (!data) return;
        data.messages.forEach(function (m) {
          bubble("bot push", m.text, null, false, m.card);
          remember({ who: "bot push", text: m.text, card: m.card || undefined });
        });
        localStorage.setItem(KEY_INBOX, String(data.last_id));
      })
      .catch(function () { /* offline: try again at the next tick */ })
      .then(function () { polling = false; });
  }
  window.wufeiPoll = poll;
  setInterval(poll, POLL_MS);

  var past = history();
  if (past.length) {
    past.forEach(function (m) { bubble(m.who, m.text, null, false, m.card); });
  } else {
    bubble("bot", "您好！我是无废城市小助手。发给我物品名称，我告诉您投哪个桶；也可以问无废城市建设的问题。");
  }
  poll();
})();
