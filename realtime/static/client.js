// Beacon's realtime client. One tab per browser polls /realtime/poll (the
// leader, chosen with the Web Locks API, or a localStorage heartbeat where
// that is missing) and shares each answer with the other tabs (a
// BroadcastChannel, or localStorage events). Every tab applies the events to
// its header count, its notification list and a pop-down toast, starting from
// the cursor its page was rendered at. Plain JavaScript, no build step.
(function () {
  "use strict";

  // Reconnect backoff after an error: 1 s doubling to 60 s, with jitter so a
  // restarted server is not hit by every browser in the same instant.
  var BACKOFF_MIN_MS = 1000, BACKOFF_MAX_MS = 60000;
  // Longer than the server's hold (25 s + up to 5 s jitter): a poll that
  // outlives this was cut somewhere on the way.
  var REQUEST_TIMEOUT_MS = 45000;
  var TOAST_MS = 6000;
  // Fallback election: the leader refreshes its claim this often, and a claim
  // this old is taken over, so a closed leader is replaced within seconds.
  var HEARTBEAT_MS = 1000, CLAIM_EXPIRES_MS = 3500;

  var body = document.body, url = body.getAttribute("data-realtime-url");
  if (!url) return;
  var cursor = parseInt(body.getAttribute("data-realtime-cursor"), 10) || 0;
  var scope = "beacon-realtime-" + body.getAttribute("data-realtime-user");
  var me = Math.random().toString(36).slice(2), backoff = 0, leading = false;
  var channel = window.BroadcastChannel ? new BroadcastChannel(scope) : null;

  function $(id) { return document.getElementById(id); }

  // The count shows in the header, the page title ("(3) Notifications · Beacon",
  // nothing at 0) and the favicon (a dot while anything is unread), as the
  // server rendered them.
  function setUnread(count) {
    var badge = $("unread-count"), icon = $("favicon");
    if (badge) { badge.textContent = count; badge.setAttribute("data-count", count); }
    document.title = (count > 0 ? "(" + count + ") " : "") + document.title.replace(/^\(\d+\) /, "");
    if (icon) {
      var href = icon.getAttribute(count > 0 ? "data-unread" : "data-read");
      if (href && icon.getAttribute("href") !== href) icon.setAttribute("href", href);
    }
  }

  // Notification text goes in through textContent only: it is never HTML.
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text) e.textContent = text;
    return e;
  }

  function hidden(name, value) {
    var input = el("input");
    input.type = "hidden"; input.name = name; input.value = value;
    return input;
  }

  // A POST to /notifications/<id>/<verb>/, as the page renders it: the list's
  // forms come back to the list the user is on (its filters and page).
  function postForm(n, verb, cls, label) {
    var token = document.querySelector("input[name=csrfmiddlewaretoken]");
    var form = el("form", cls), button = el("button", verb === "open" ? "link" : "", label);
    form.method = "post";
    form.action = "/notifications/" + n.id + "/" + verb + "/";
    button.type = "submit";
    form.appendChild(hidden("csrfmiddlewaretoken", token ? token.value : ""));
    if (location.pathname.indexOf("/notifications/") === 0) form.appendChild(hidden("next", location.pathname + location.search));
    form.appendChild(button);
    return form;
  }

  // Opening is a POST too: it marks the notification read, then goes to its link.
  function openForm(n) { return postForm(n, "open", "open", n.text); }
  function markForm(n, verb) { return postForm(n, verb, "mark mark-" + verb, "Mark " + verb); }

  // The list says which notifications belong in it: none on an older page or
  // under a filter the browser cannot check (words, a target), else those of
  // its kind (data-kind, blank for any).
  function belongs(list, n) {
    if (list.getAttribute("data-live-insert") !== "1") return false;
    var kind = list.getAttribute("data-kind");
    return !kind || kind === n.kind;
  }

  // The names the page gives the kinds (the server's, in #kind-labels), so a
  // live row reads as the rendered ones do.
  function kindLabel(kind) {
    var labels = $("kind-labels"), names = {};
    try { names = JSON.parse(labels ? labels.textContent : "{}") || {}; } catch (e) {}
    return names[kind] || kind;
  }

  function item(id) {
    var list = $("notification-list");
    return list && list.querySelector('[data-id="' + id + '"]');
  }

  function added(n) {
    var list = $("notification-list"), toasts = $("toasts");
    if (list && belongs(list, n) && !item(n.id)) {
      var empty = $("notification-empty"), li = el("li", "notification unread");
      if (empty) empty.remove();
      li.setAttribute("data-id", n.id);
      li.setAttribute("data-kind", n.kind);
      li.appendChild(openForm(n));
      var meta = el("span", "muted meta", " " + kindLabel(n.kind) + " · " + n.actor + " · just now · ");
      meta.appendChild(el("span", "is-unread", "unread"));
      meta.appendChild(el("span", "is-read", "read"));
      li.appendChild(meta);
      if (n.why && n.why.length) li.appendChild(el("span", "muted reasons", " (" + n.why.join("; ") + ")"));
      li.appendChild(markForm(n, "read"));
      li.appendChild(markForm(n, "unread"));
      list.insertBefore(li, list.firstChild);
    }
    if (toasts) {
      var toast = el("div", "toast");
      toast.appendChild(openForm(n));
      toasts.appendChild(toast);
      setTimeout(function () { toast.remove(); }, TOAST_MS);
    }
  }

  function setRead(id, read) {
    var li = item(id);
    if (li) li.classList.toggle("unread", !read);
  }

  // The home page's graph list (data-live-rows, on its newest page only) takes in a graph newly shared with me or
  // uploaded into a group of mine: the row comes from the server, rendered as the page renders its rows, and goes
  // in its place by id (newest first). A graph older than the page's last row belongs on an older page.
  var GRAPH_VERBS = { shared: true, uploaded: true }, graphRowsPending = {};
  function graphShared(n) {
    var list = $("graph-list"), rowUrl = list && list.getAttribute("data-live-rows");
    if (!rowUrl || !n.target || n.target.type !== "graph" || !GRAPH_VERBS[n.verb]) return;
    var id = n.target.id;
    if (graphRowsPending[id] || list.querySelector('[data-graph-id="' + id + '"]')) return;
    graphRowsPending[id] = true;
    fetch(rowUrl.replace("{id}", id), { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) { return response.ok && !response.redirected ? response.text() : null; })
      .then(function (html) {
        var parsed = document.createElement("template"), row, next = null, rows, i;
        if (html) { parsed.innerHTML = html.trim(); row = parsed.content.firstElementChild; }
        if (!row || row.tagName !== "LI" || list.querySelector('[data-graph-id="' + id + '"]')) return;
        rows = list.querySelectorAll("[data-graph-id]");
        for (i = 0; i < rows.length && !next; i++) {
          if (+rows[i].getAttribute("data-graph-id") < id) next = rows[i];
        }
        if (!next && $("older-graphs")) return;
        var empty = $("graph-empty");
        if (empty) empty.remove();
        list.insertBefore(row, next);
      })
      .catch(function () {})
      .then(function () { delete graphRowsPending[id]; });
  }

  var handlers = {
    "notification.created": function (e) { added(e.notification); graphShared(e.notification); },
    "notification.read": function (e) { setRead(e.id, true); },
    "notification.unread": function (e) { setRead(e.id, false); },
    "notifications.read_all": function (e) { e.ids.forEach(function (id) { setRead(id, true); }); }
  };

  // Applies an answer from our poll or another tab's; false when the page
  // must reload (the server could not replay what this page missed).
  function apply(answer) {
    if (answer.reset) { location.reload(); return false; }
    var events = (answer.events || []).filter(function (e) { return e.seq > cursor; });
    if (events.length && events[0].seq !== cursor + 1) { catchUp(); return true; }
    events.forEach(function (e) { if (handlers[e.type]) handlers[e.type](e); });
    if (answer.cursor >= cursor) { cursor = answer.cursor; setUnread(answer.unread); }
    return true;
  }

  function request(timeout) {
    var ctl = window.AbortController ? new AbortController() : null;
    var timer = ctl && setTimeout(function () { ctl.abort(); }, REQUEST_TIMEOUT_MS);
    return fetch(url + "?cursor=" + cursor + (timeout === 0 ? "&timeout=0" : ""), {
      credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" },
      signal: ctl ? ctl.signal : undefined
    }).then(function (response) {
      clearTimeout(timer);
      if (response.status === 401) return null; // logged out: stop
      if (!response.ok) throw new Error("poll answered " + response.status);
      return response.json();
    }, function (error) { clearTimeout(timer); throw error; });
  }

  // A follower that missed answers (it opened after them) fetches its gap once.
  function catchUp() {
    request(0).then(function (answer) { if (answer) apply(answer); }, function () {});
  }

  function share(answer) {
    if (channel) channel.postMessage(answer);
    else try { localStorage.setItem(scope + "-answer", JSON.stringify({ from: me, answer: answer })); } catch (e) {}
  }

  function poll() {
    request().then(function (answer) {
      if (!answer) return;
      backoff = 0;
      share(answer);
      if (apply(answer)) poll();
    }).catch(function () {
      backoff = backoff ? Math.min(backoff * 2, BACKOFF_MAX_MS) : BACKOFF_MIN_MS;
      setTimeout(poll, backoff / 2 + Math.random() * backoff / 2);
    });
  }

  function lead() {
    if (leading) return;
    leading = true;
    poll();
  }

  if (channel) channel.onmessage = function (message) { apply(message.data); };
  window.addEventListener("storage", function (event) {
    if (event.key !== scope + "-answer" || !event.newValue) return;
    var shared = JSON.parse(event.newValue);
    if (shared.from !== me) apply(shared.answer);
  });

  if (navigator.locks) {
    // Held for as long as this tab lives; the next tab in line gets it at once.
    navigator.locks.request(scope, function () { lead(); return new Promise(function () {}); });
  } else {
    var claimKey = scope + "-leader";
    var claim = function () {
      var now = Date.now(), held = null;
      try { held = JSON.parse(localStorage.getItem(claimKey)); } catch (e) {}
      if (leading || !held || held.id === me || now - held.at > CLAIM_EXPIRES_MS) {
        try { localStorage.setItem(claimKey, JSON.stringify({ id: me, at: now })); } catch (e) {}
        if (!leading) setTimeout(function () {
          try { held = JSON.parse(localStorage.getItem(claimKey)); } catch (e) {}
          if (held && held.id === me) lead();
        }, 100);
      }
    };
    claim();
    setInterval(claim, HEARTBEAT_MS);
    window.addEventListener("pagehide", function () {
      if (leading) try { localStorage.removeItem(claimKey); } catch (e) {}
    });
  }
})();
