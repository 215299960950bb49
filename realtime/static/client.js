// Beacon's realtime client: long-polls /realtime/poll from the cursor the
// page was rendered at, and applies what arrives to the header count, the
// notification list and a pop-down toast. Plain JavaScript, no build step.
(function () {
  "use strict";

  // Reconnect backoff after an error: 1 s doubling to 60 s, with jitter so a
  // restarted server is not hit by every browser in the same instant.
  var BACKOFF_MIN_MS = 1000;
  var BACKOFF_MAX_MS = 60000;
  // Longer than the server's hold (25 s + up to 5 s jitter): a poll that
  // outlives this was cut somewhere on the way.
  var REQUEST_TIMEOUT_MS = 45000;
  var TOAST_MS = 6000;

  var body = document.body;
  var url = body.getAttribute("data-realtime-url");
  if (!url) return;
  var cursor = parseInt(body.getAttribute("data-realtime-cursor"), 10) || 0;
  var backoff = 0;

  function setUnread(count) {
    var badge = document.getElementById("unread-count");
    if (!badge) return;
    badge.textContent = String(count);
    badge.setAttribute("data-count", String(count));
  }

  // Text goes in through textContent only: notification text is never HTML.
  function link(n) {
    var a = document.createElement("a");
    a.href = n.link || "#";
    a.textContent = n.text;
    return a;
  }

  function addToList(n) {
    var list = document.getElementById("notification-list");
    if (!list || list.querySelector('[data-id="' + n.id + '"]')) return;
    var empty = document.getElementById("notification-empty");
    if (empty) empty.remove();
    var li = document.createElement("li");
    li.className = "notification" + (n.read_at ? "" : " unread");
    li.setAttribute("data-id", String(n.id));
    li.appendChild(link(n));
    var meta = document.createElement("span");
    meta.className = "muted";
    meta.textContent = " " + n.kind + " · just now";
    li.appendChild(meta);
    list.insertBefore(li, list.firstChild);
  }

  function toast(n) {
    var box = document.getElementById("toasts");
    if (!box) return;
    var div = document.createElement("div");
    div.className = "toast";
    div.appendChild(link(n));
    box.appendChild(div);
    setTimeout(function () { div.remove(); }, TOAST_MS);
  }

  function apply(answer) {
    if (answer.reset) {
      // The server cannot replay what we missed: start again from a fresh page.
      window.location.reload();
      return false;
    }
    (answer.events || []).forEach(function (event) {
      if (event.type === "notification.created") {
        addToList(event.notification);
        toast(event.notification);
      }
    });
    cursor = answer.cursor;
    setUnread(answer.unread);
    return true;
  }

  function retryLater() {
    backoff = backoff ? Math.min(backoff * 2, BACKOFF_MAX_MS) : BACKOFF_MIN_MS;
    setTimeout(poll, backoff / 2 + Math.random() * backoff / 2);
  }

  function poll() {
    var controller = typeof AbortController === "function" ? new AbortController() : null;
    var timer = controller && setTimeout(function () { controller.abort(); }, REQUEST_TIMEOUT_MS);
    fetch(url + "?cursor=" + encodeURIComponent(cursor), {
      credentials: "same-origin",
      cache: "no-store",
      headers: { Accept: "application/json" },
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      if (response.status === 401) return null; // logged out: stop polling
      if (!response.ok) throw new Error("poll answered " + response.status);
      return response.json();
    }).then(function (answer) {
      clearTimeout(timer);
      if (answer === null) return;
      backoff = 0;
      if (apply(answer)) poll();
    }).catch(function () {
      clearTimeout(timer);
      retryLater();
    });
  }

  poll();
})();
