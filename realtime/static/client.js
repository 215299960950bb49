// Beacon's realtime client. One tab per browser polls /realtime/poll (the
// leader, chosen with the Web Locks API, or a localStorage heartbeat where
// that is missing) and shares each answer with the other tabs (a
// BroadcastChannel, or localStorage events). Every tab applies the events to
// its header count and hands each to the inbox (web/static/beacon/inbox.js:
// the bell, the list, the toasts), starting from the cursor its page was
// rendered at. When the session ends (a log-out in another tab, a password
// changed: the poll answers 401 "unauthenticated") the tab stops for good and
// tells the inbox ("beacon:ended"), which says so; an error or a network
// failure is only retried, with backoff. Plain JavaScript, no build step.
(function () {
  "use strict";

  // Reconnect backoff after an error: 1 s doubling to 60 s, with jitter so a
  // restarted server is not hit by every browser in the same instant.
  var BACKOFF_MIN_MS = 1000, BACKOFF_MAX_MS = 60000;
  // Longer than the server's hold (25 s + up to 5 s jitter): a poll that
  // outlives this was cut somewhere on the way.
  var REQUEST_TIMEOUT_MS = 45000;
  // Fallback election: the leader refreshes its claim this often, and a claim
  // this old is taken over, so a closed leader is replaced within seconds.
  var HEARTBEAT_MS = 1000, CLAIM_EXPIRES_MS = 3500;

  var body = document.body, url = body.getAttribute("data-realtime-url");
  if (!url) return;
  var cursor = parseInt(body.getAttribute("data-realtime-cursor"), 10) || 0;
  var scope = "beacon-realtime-" + body.getAttribute("data-realtime-user");
  var me = Math.random().toString(36).slice(2), backoff = 0, leading = false, ended = false;
  var channel = window.BroadcastChannel ? new BroadcastChannel(scope) : null;

  function $(id) { return document.getElementById(id); }

  // The count shows in the header's bell (its badge, hidden at 0, and its
  // name: "Notifications, 3 unread"), the page title ("(3) Notifications ·
  // Beacon", nothing at 0) and the favicon (a dot while anything is unread),
  // as the server rendered them. Always the server's number, never counted here.
  function setUnread(count) {
    var badge = $("unread-count"), bell = $("notifications-link"), icon = $("favicon");
    if (badge && badge.textContent !== String(count)) { badge.textContent = count; badge.setAttribute("data-count", count); }
    if (bell) bell.setAttribute("aria-label", "Notifications" + (count > 0 ? ", " + count + " unread" : ""));
    document.title = (count > 0 ? "(" + count + ") " : "") + document.title.replace(/^\(\d+\) /, "");
    if (icon) {
      var href = icon.getAttribute(count > 0 ? "data-unread" : "data-read");
      if (href && icon.getAttribute("href") !== href) icon.setAttribute("href", href);
    }
  }

  // What the events change on the page (the bell's dropdown, the list, the
  // toasts) is drawn by web/static/beacon/inbox.js, told by DOM events:
  // "beacon:created" (the notification), "beacon:read-state" ({id, read}),
  // "beacon:unread" (the server's count, after the events of an answer).
  function tell(name, detail) {
    document.dispatchEvent(new CustomEvent("beacon:" + name, { detail: detail }));
  }
  function added(n) { tell("created", n); }
  function setRead(id, read) { tell("read-state", { id: id, read: read }); }

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
    "notifications.read_all": function (e) { e.ids.forEach(function (id) { setRead(id, true); }); },
    "notifications.read": function (e) { e.ids.forEach(function (id) { setRead(id, true); }); },
    "notifications.unread": function (e) { e.ids.forEach(function (id) { setRead(id, false); }); },
    // Done: out of the inbox (and read); the page's script takes the rows out (inbox.js, "done and saved").
    "notifications.done": function (e) {
      e.ids.forEach(function (id) { setRead(id, true); });
      tell("done", { ids: e.ids });
    },
    // Snoozed: out of the inbox (and read) until its moment; woken: back, unread (inbox.js, "snooze").
    "notifications.snoozed": function (e) {
      e.ids.forEach(function (id) { setRead(id, true); });
      tell("snoozed", { ids: e.ids, until: e.until });
    },
    "notifications.woken": function (e) {
      e.ids.forEach(function (id) { setRead(id, false); });
      tell("woken", { ids: e.ids, groups: e.groups });
    },
    // Undone: back in the inbox, read; each group named by key and kind, for inbox.js to fetch its row back.
    "notification.undone": function (e) {
      tell("undone", { ids: [e.id], groups: e.group_key ? [{ group_key: e.group_key, kind: e.kind }] : [] });
    },
    "notifications.undone": function (e) { tell("undone", { ids: e.ids, groups: e.groups || [] }); },
    // Starred or not: one notification's star, or a group row's (its ids).
    "notification.saved": function (e) { tell("saved", { ids: [e.id], saved: true }); },
    "notification.unsaved": function (e) { tell("saved", { ids: [e.id], saved: false }); },
    "notifications.saved": function (e) { tell("saved-many", { ids: e.ids, saved: true }); },
    "notifications.unsaved": function (e) { tell("saved-many", { ids: e.ids, saved: false }); }
  };

  // A change this page made in place answers with the count after it (inbox.js tells it here, "beacon:count"):
  // the header follows at once rather than when the stream's event comes, which says the same.
  document.addEventListener("beacon:count", function (event) {
    if (!ended && typeof event.detail === "number") setUnread(event.detail);
  });

  // Applies an answer from our poll or another tab's; false when the page
  // must reload (the server could not replay what this page missed).
  function apply(answer) {
    if (ended) return false;
    if (answer.reset) { location.reload(); return false; }
    var events = (answer.events || []).filter(function (e) { return e.seq > cursor; });
    if (events.length && events[0].seq !== cursor + 1) { catchUp(); return true; }
    events.forEach(function (e) {
      if (handlers[e.type]) handlers[e.type](e);
      // A change of more than its event names (complete: false): the page's script reloads what it shows.
      if (e.complete === false) tell("incomplete", { type: e.type });
    });
    if (answer.cursor >= cursor) { cursor = answer.cursor; setUnread(answer.unread); tell("unread", answer.unread); }
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
      // The protocol's word for a session or token that ended: no retry will be answered otherwise.
      if (response.status === 401) {
        return response.json().then(function (error) {
          if (error && error.error === "unauthenticated") return { ended: error.error };
          throw new Error("poll answered 401");
        });
      }
      if (!response.ok) throw new Error("poll answered " + response.status);
      return response.json();
    }, function (error) { clearTimeout(timer); throw error; });
  }

  // A follower that missed answers (it opened after them) fetches its gap once.
  function catchUp() {
    request(0).then(function (answer) { if (answer.ended) end(); else apply(answer); }, function () {});
  }

  // The end of this page's session: no more polls from this tab, its place as leader given up (a tab logged in
  // again, or another one still logged in, takes it), and the inbox told, once. The other tabs hear of it and ask
  // for themselves (one poll that does not wait): a tab of another session of the same user (logged in again) goes on.
  var releaseLock = null, lockWait = window.AbortController ? new AbortController() : null, claiming = null;
  function end() {
    if (ended) return;
    ended = true;
    if (releaseLock) releaseLock();
    else if (lockWait) lockWait.abort();
    if (claiming) clearInterval(claiming);
    if (leading && !navigator.locks) try { localStorage.removeItem(scope + "-leader"); } catch (e) {}
    tell("ended", { reason: "unauthenticated" });
  }

  function heard(answer) {
    if (ended) return;
    if (answer.ended) catchUp();
    else apply(answer);
  }

  function share(answer) {
    if (channel) channel.postMessage(answer);
    else try { localStorage.setItem(scope + "-answer", JSON.stringify({ from: me, answer: answer })); } catch (e) {}
  }

  function poll() {
    if (ended) return;
    request().then(function (answer) {
      if (answer.ended) { share(answer); end(); return; }
      backoff = 0;
      share(answer);
      if (apply(answer)) poll();
    }).catch(function () {
      backoff = backoff ? Math.min(backoff * 2, BACKOFF_MAX_MS) : BACKOFF_MIN_MS;
      setTimeout(poll, backoff / 2 + Math.random() * backoff / 2);
    });
  }

  function lead() {
    if (leading || ended) return;
    leading = true;
    poll();
  }

  if (channel) channel.onmessage = function (message) { heard(message.data); };
  window.addEventListener("storage", function (event) {
    if (event.key !== scope + "-answer" || !event.newValue) return;
    var shared = JSON.parse(event.newValue);
    if (shared.from !== me) heard(shared.answer);
  });

  if (navigator.locks) {
    // Held for as long as this tab lives (or its session: see end()); the next tab in line gets it at once.
    navigator.locks.request(scope, lockWait ? { signal: lockWait.signal } : {}, function () {
      if (ended) return null;
      lead();
      return new Promise(function (resolve) { releaseLock = resolve; });
    }).catch(function () {}); // (abandoned by end() while waiting in line)
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
    claiming = setInterval(claim, HEARTBEAT_MS);
    window.addEventListener("pagehide", function () {
      if (leading) try { localStorage.removeItem(claimKey); } catch (e) {}
    });
  }
})();
