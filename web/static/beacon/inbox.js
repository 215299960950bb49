// Beacon's inbox on every page: the bell's dropdown, the notification list's
// groups, the toasts, the read-state forms acting in place (no reload, the
// scroll position kept), a way out of every notification with its Undo, and
// the list's keyboard shortcuts and bulk select. Without this script the bell is a link to
// the notifications page and every form is a plain POST that comes back.
//
// realtime/static/client.js tells it of every event ("beacon:created",
// "beacon:read-state"); rows come from the server (GET /notifications/group/),
// rendered as the page renders them, so a group reads the same live or
// reloaded. Notification text only ever arrives as the server's escaped HTML
// or through textContent. Plain JavaScript, no build step.
(function () {
  "use strict";

  // A toast stays this long, not counting while it is hovered or focused.
  var TOAST_MS = 6000;
  // More toasts than this at once would cover the page: the rest become "+N more".
  var TOASTS_MAX = 3;
  // A toast that grows with its group says its new words aloud once the group has been quiet this long:
  // once for a burst of ten, not ten times.
  var TOAST_SETTLE_MS = 1000;
  // A burst of one group's notifications (ten changes in two seconds) fetches its row once.
  var REFRESH_MS = 150;
  // The dropdown shows as many groups as the server rendered (context_processors.BELL_GROUPS).
  var BELL_GROUPS = 10;
  // "3 min ago" is kept true this often.
  var AGO_EVERY_MS = 30000;

  var body = document.body;
  if (!body.hasAttribute("data-realtime-url")) return;

  function $(id) { return document.getElementById(id); }

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (input && input.value) return input.value;
    var cookie = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return cookie ? decodeURIComponent(cookie[1]) : "";
  }

  // A change, asked for as the page's script: JSON back (or a redirect, not followed), never a page.
  function send(url, method, bodyData, contentType) {
    var headers = { Accept: "application/json", "X-CSRFToken": csrfToken() };
    if (contentType) headers["Content-Type"] = contentType;
    return fetch(url, {
      method: method, body: bodyData, headers: headers, credentials: "same-origin", redirect: "manual"
    }).then(function (response) {
      if (response.type === "opaqueredirect") return {};
      if (!response.ok) {
        // (the answer's JSON, when it has one, says why: a refused snooze's {"error": …})
        var error = new Error(method + " " + url + " answered " + response.status);
        error.status = response.status;
        return response.json().catch(function () { return null; }).then(function (why) { error.answer = why; throw error; });
      }
      return (response.headers.get("Content-Type") || "").indexOf("json") >= 0 ? response.json() : {};
    });
  }

  function rowsWithId(id) { return document.querySelectorAll('.notification[data-id="' + id + '"]'); }

  function groupRows(key) {
    return [].filter.call(document.querySelectorAll(".notification.group"), function (row) {
      return row.getAttribute("data-group") === key;
    });
  }

  // --- read state --------------------------------------------------------------------------------------------

  // A group row is unread while any of its notifications is; a row alone follows its own.
  function groupState(row) {
    var group = row.classList.contains("group") ? row : row.parentElement && row.parentElement.closest(".group");
    if (!group || group.hasAttribute("data-id")) return;
    group.classList.toggle("unread", !!group.querySelector(".group-items .notification.unread"));
  }

  function setRead(id, read) {
    [].forEach.call(rowsWithId(id), function (row) {
      row.classList.toggle("unread", !read);
      groupState(row);
    });
  }

  function setGroupRead(key) {
    groupRows(key).forEach(function (group) {
      [].forEach.call(group.querySelectorAll(".notification"), function (row) { row.classList.remove("unread"); });
      group.classList.remove("unread");
    });
  }

  document.addEventListener("beacon:read-state", function (event) { setRead(event.detail.id, event.detail.read); });

  // A mark button hides once it has done its work (CSS); the focus goes to the one that undoes it.
  function keepFocus(form, had) {
    // (the realtime event may have hidden the button, and with it the focus, before this answer came)
    var active = document.activeElement;
    if (!had || !(form.contains(active) || !active || active === document.body)) return;
    var row = form.closest(".notification"), other = form.classList.contains("mark-read") ? ".mark-unread" : ".mark-read";
    var button = row && row.querySelector(":scope > " + other + " button");
    if (button) button.focus();
  }

  // Read, unread, mark all (or a group, or what a filter matches), in place. The answer changes this page at
  // once; the realtime events that follow say the same to every tab (this one too), and the count is theirs.
  function act(form) {
    if (form.getAttribute("aria-busy") === "true") return;
    form.setAttribute("aria-busy", "true");
    var had = form.contains(document.activeElement);
    send(form.action, "POST", new FormData(form)).then(function (answer) {
      var group = form.querySelector("input[name=group]");
      if (typeof answer.read === "boolean") setRead(answer.id, answer.read);
      else if (group) setGroupRead(group.value);
      else if ("marked" in answer && !form.querySelector("input[name=kind], input[name=q], input[name=target], input[name=state]")) {
        [].forEach.call(document.querySelectorAll(".notification.unread"), function (row) { row.classList.remove("unread"); });
      }
      keepFocus(form, had);
    }).catch(function () {
      form.submit(); // the plain form, as without JavaScript
    }).then(function () { form.removeAttribute("aria-busy"); });
  }

  // --- a way out, and its Undo ----------------------------------------------------------------------------------

  function preference(field, on) {
    var change = {};
    change[field] = on;
    return send("/api/v1/preferences/", "PATCH", JSON.stringify(change), "application/json");
  }

  function wayOut(form) {
    var field = form.getAttribute("data-patch"), undoUrl = form.getAttribute("data-undo");
    var same = [].filter.call(document.querySelectorAll("form.way-out"), function (other) {
      return other.getAttribute("action") === form.getAttribute("action");
    });
    var done = field ? preference(field, false) : send(form.action, "POST", new FormData(form));
    done.then(function () {
      var status = document.createElement("span"), undo = document.createElement("button");
      status.className = "way-out-done";
      status.setAttribute("role", "status");
      status.textContent = (form.getAttribute("data-done") || "Done.") + " ";
      undo.type = "button";
      undo.className = "link undo";
      undo.textContent = "Undo";
      status.appendChild(undo);
      same.forEach(function (other) { other.hidden = true; });
      form.parentNode.insertBefore(status, form.nextSibling);
      undo.focus();
      undo.addEventListener("click", function () {
        var undone = field ? preference(field, true) : send(undoUrl, "POST", null);
        undone.then(function () {
          same.forEach(function (other) { other.hidden = false; });
          var button = form.querySelector("button");
          status.remove();
          if (button) button.focus();
        }, function () { status.firstChild.textContent = "Could not undo: try again. "; });
      });
    }, function () {
      if (field) location.href = form.action; // the profile's form, as without JavaScript
      else form.submit();
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.closest("#bell-panel, #notification-list, .inbox-actions")) return;
    if (form.classList.contains("way-out")) { event.preventDefault(); wayOut(form); }
    else if (form.matches(".mark, .mark-all")) { event.preventDefault(); act(form); }
    // Opening goes to what the notification is about: a navigation, as the plain form does it.
  });

  // --- the bell --------------------------------------------------------------------------------------------------

  var bellBox = $("bell"), bell = $("notifications-link"), panel = $("bell-panel");
  function isOpen() { return bell.getAttribute("aria-expanded") === "true"; }
  function setOpen(open) {
    bell.setAttribute("aria-expanded", open ? "true" : "false");
    panel.hidden = !open;
    bellBox.classList.toggle("open", open);
  }
  if (bellBox && bell && panel) {
    // A disclosure: the link that works without this script becomes the button that shows the dropdown.
    bell.setAttribute("role", "button");
    bell.setAttribute("aria-controls", "bell-panel");
    bell.removeAttribute("aria-current");
    setOpen(false);
    bell.addEventListener("click", function (event) {
      if (event.ctrlKey || event.metaKey || event.shiftKey || event.button) return; // a new tab: the page
      event.preventDefault();
      setOpen(!isOpen());
    });
    bell.addEventListener("keydown", function (event) {
      if (event.key === " ") { event.preventDefault(); setOpen(!isOpen()); }
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && isOpen()) { setOpen(false); bell.focus(); }
    });
    document.addEventListener("click", function (event) {
      if (isOpen() && !bellBox.contains(event.target)) setOpen(false);
    });
    bellBox.addEventListener("focusout", function (event) {
      if (isOpen() && event.relatedTarget && !bellBox.contains(event.relatedTarget)) setOpen(false);
    });
  }

  // --- live rows -----------------------------------------------------------------------------------------------

  var list = $("notification-list"), pending = {};

  // The list says which notifications belong at its top: none on an older page or under a filter the browser
  // cannot check (words, a target), else those of its kind and state.
  function belongs(n) {
    if (!list || list.getAttribute("data-live-insert") !== "1") return false;
    var kind = list.getAttribute("data-kind"), state = list.getAttribute("data-state");
    return (!kind || kind === n.kind) && !(state === "unread" && n.read_at);
  }

  // True when row a goes above row b: its group's latest action happened later (data-at, in µs). Not the
  // order rows arrive in, nor their ids or stream seqs: those follow delivery, which runs in parallel.
  function above(a, b) {
    var at = +a.getAttribute("data-at"), other = +b.getAttribute("data-at");
    if (at !== other) return at > other;
    return +a.getAttribute("data-newest") > +b.getAttribute("data-newest");
  }

  // The bell keeps unread rows above read ones (web/notifications/bell.py); the list is in action order alone.
  // A row marked read stays where it is until the next page: rows do not move under the user's hand.
  function goesBefore(container, row, child) {
    var newer = above(row, child);
    if (container.id !== "bell-list") return newer;
    var unread = row.classList.contains("unread");
    return unread === child.classList.contains("unread") ? newer : unread;
  }

  // The user's own actions enter the bell only while it shows them (its "Show my own actions").
  function bellTakes(n) {
    var bellList = $("bell-list");
    return !(n.kind === "owner" && bellList && bellList.getAttribute("data-own-actions") === "hidden");
  }

  // Puts a group's new row in action order, newest first (a group that grew moves up); the focus stays.
  function place(container, row, insert) {
    var key = row.getAttribute("data-group"), old = null, next = null;
    [].forEach.call(container.children, function (child) {
      if (child.getAttribute("data-group") === key) old = child;
    });
    if (!old && !insert) return;
    var focused = old && old.contains(document.activeElement) ? document.activeElement : null;
    ["details.group-items", "details.snooze"].forEach(function (which) { // (what was open stays open)
      var was = old && old.querySelector(which), mine = row.querySelector(which);
      if (was && was.open && mine) mine.open = true;
    });
    if (old) old.remove();
    [].some.call(container.children, function (child) {
      if (child.hasAttribute("data-newest") && goesBefore(container, row, child)) { next = child; return true; }
      return false;
    });
    if (!next && !old && container === list && $("older-page")) return; // it belongs on an older page
    var empty = container.querySelector(".empty");
    if (empty) empty.remove();
    container.insertBefore(row, next);
    if (focused) {
      var form = focused.closest("form"), again = null;
      if (form && form.classList.length) again = row.querySelector("form." + form.classList[form.classList.length - 1] + " button");
      (again || row).focus();
    }
  }

  // Fetches a group's row once per burst; what arrives while it is on its way is fetched again after it.
  function refresh(key, insert, intoBell) {
    var queued = pending[key];
    if (queued) {
      queued.insert = queued.insert || insert;
      queued.intoBell = queued.intoBell || intoBell;
      queued.again = queued.again || queued.asked;
      return;
    }
    pending[key] = { insert: insert, intoBell: intoBell };
    setTimeout(function () {
      var insert = pending[key].insert, intoBell = pending[key].intoBell;
      pending[key].asked = true;
      var url = "/notifications/group/?group=" + encodeURIComponent(key) +
        (list ? "&next=" + encodeURIComponent(list.getAttribute("data-next") || "") : "");
      fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then(function (response) { return response.ok && !response.redirected ? response.text() : null; })
        .then(function (html) {
          if (!html) return;
          var parsed = document.createElement("template");
          parsed.innerHTML = html;
          var forBell = parsed.content.querySelector('template[data-where="bell"]');
          var forList = parsed.content.querySelector('template[data-where="list"]');
          var bellList = $("bell-list"), bellRow = forBell && forBell.content.firstElementChild;
          var listRow = forList && forList.content.firstElementChild;
          toastText(key, bellRow || listRow); // (the row itself: once placed, its template is empty)
          if (bellList && bellRow) {
            place(bellList, bellRow, intoBell);
            var groups = bellList.querySelectorAll(":scope > .group");
            for (var i = BELL_GROUPS; i < groups.length; i++) groups[i].remove();
          }
          if (list && listRow) place(list, listRow, insert);
        })
        .catch(function () {})
        .then(function () {
          var queued = pending[key];
          delete pending[key];
          if (queued.again) refresh(key, queued.insert, queued.intoBell);
        });
    }, REFRESH_MS);
  }

  document.addEventListener("beacon:created", function (event) {
    var n = event.detail;
    refresh(n.group_key, belongs(n), bellTakes(n));
    // Your own actions arrive read: they are in the list, but not news to you.
    if (!n.read_at) toast(n);
  });

  // --- toasts --------------------------------------------------------------------------------------------------

  var toasts = $("toasts"), more = null, moreCount = 0, news = null;
  if (toasts) { // (a live region is there before it speaks, or it may not be heard)
    news = document.createElement("div");
    news.id = "toast-news";
    news.className = "visually-hidden";
    news.setAttribute("role", "status");
    body.appendChild(news);
  }

  function timed(box, done) {
    var remaining = TOAST_MS, started = 0, timer = null, hovered = false, focused = false;
    function run() { if (timer || hovered || focused) return; started = Date.now(); timer = setTimeout(done, remaining); }
    function pause() { if (timer) { clearTimeout(timer); timer = null; remaining = Math.max(1000, remaining - (Date.now() - started)); } }
    box.addEventListener("mouseenter", function () { hovered = true; pause(); });
    box.addEventListener("mouseleave", function () { hovered = false; run(); });
    box.addEventListener("focusin", function () { focused = true; pause(); });
    box.addEventListener("focusout", function (event) {
      if (!box.contains(event.relatedTarget)) { focused = false; run(); }
    });
    box.restart = function () { pause(); remaining = TOAST_MS; run(); };
    run();
  }

  function closeButton(box, onClose) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "toast-close";
    button.setAttribute("aria-label", "Dismiss");
    button.textContent = "×";
    button.addEventListener("click", onClose);
    box.appendChild(button);
  }

  function dismiss(box) {
    if (box.contains(document.activeElement) && bell) bell.focus();
    box.remove();
    if (box === more) { more = null; moreCount = 0; }
  }

  // The actor's picture, as the server draws it (common/avatars.py: the same initials, the same colour).
  var AVATAR_COLOURS = 8;
  function avatar(name) {
    var letters = (name || "").split(/[\s._@-]+/).filter(function (part) { return /^\p{L}/u.test(part); })
      .map(function (part) { return String.fromCodePoint(part.codePointAt(0)); });
    var h = 0x811c9dc5;
    new TextEncoder().encode(name || "").forEach(function (byte) { h = Math.imul(h ^ byte, 0x01000193) >>> 0; });
    var span = document.createElement("span");
    span.className = "avatar avatar-" + (h % AVATAR_COLOURS);
    span.setAttribute("aria-hidden", "true");
    span.setAttribute("data-initials", letters.slice(0, 2).join("").toUpperCase() || "?");
    return span;
  }

  function openForm(n) {
    var form = document.createElement("form"), token = document.createElement("input"), button = document.createElement("button");
    form.method = "post";
    form.action = "/notifications/" + n.id + "/open/";
    form.className = "open";
    token.type = "hidden"; token.name = "csrfmiddlewaretoken"; token.value = csrfToken();
    button.type = "submit";
    button.className = "link";
    var text = document.createElement("span");
    text.className = "text";
    text.textContent = n.text;
    button.appendChild(avatar(n.actor));
    button.appendChild(text);
    form.appendChild(token);
    form.appendChild(button);
    return form;
  }

  function toast(n) {
    if (!toasts) return;
    var shown = [].filter.call(toasts.children, function (box) { return box.getAttribute("data-group") === n.group_key; })[0];
    if (shown) { shown.restart(); return; } // a group already toasted: it stays longer, and its row's words follow
    if (toasts.querySelectorAll(".toast[data-group]").length >= TOASTS_MAX) {
      moreCount += 1;
      if (!more) {
        more = document.createElement("div");
        more.className = "toast toast-more";
        var link = document.createElement("a");
        link.href = "/notifications/";
        more.appendChild(link);
        closeButton(more, function () { dismiss(more); });
        timed(more, function () { dismiss(more); });
        toasts.appendChild(more);
      } else more.restart();
      more.firstChild.textContent = "+" + moreCount + " more";
      return;
    }
    var box = document.createElement("div");
    box.className = "toast";
    box.setAttribute("data-group", n.group_key);
    box.appendChild(openForm(n));
    closeButton(box, function () { dismiss(box); });
    timed(box, function () { dismiss(box); });
    toasts.insertBefore(box, more);
  }

  // Each time the group's row comes in, its toast reads as the row does: "bob and 2 others updated graph “X” (5)",
  // opening the newest. The toasts' live region tells of new toasts only (aria-relevant="additions"); what a
  // toast grew to is said once, in a status region of its own, when its group has been quiet a while.
  function toastText(key, row) {
    var box = toasts && [].filter.call(toasts.children, function (t) { return t.getAttribute("data-group") === key; })[0];
    if (!box || !row) return;
    var count = +row.getAttribute("data-count"), text = box.querySelector("form.open .text");
    var words = row.getAttribute("data-text") + (count > 1 ? " (" + count + ")" : "");
    box.querySelector("form.open").action = "/notifications/" + row.getAttribute("data-newest") + "/open/";
    var picture = row.querySelector("form.open .avatar"), shown = box.querySelector("form.open .avatar");
    if (picture && shown) shown.replaceWith(picture.cloneNode(true)); // (the group's newest actor)
    if (text.textContent === words) return;
    text.textContent = words;
    clearTimeout(box.settle);
    box.settle = setTimeout(function () { if (box.isConnected) news.textContent = words; }, TOAST_SETTLE_MS);
  }

  // --- "3 min ago", kept true ---------------------------------------------------------------------------------

  function ago(then) {
    var seconds = Math.max(0, (Date.now() - then) / 1000), days = Math.floor(seconds / 86400);
    if (seconds < 60) return "just now";
    if (seconds < 3600) return Math.floor(seconds / 60) + " min ago";
    if (seconds < 86400) return Math.floor(seconds / 3600) + " h ago";
    if (days < 7) return days === 1 ? "yesterday" : days + " days ago";
    return null; // a date, as the server wrote it
  }
  setInterval(function () {
    [].forEach.call(document.querySelectorAll(".notification .meta time[datetime]"), function (time) {
      var words = ago(Date.parse(time.getAttribute("datetime")));
      if (words && time.textContent !== words) time.textContent = words;
    });
  }, AGO_EVERY_MS);

  // --- the end of the session -----------------------------------------------------------------------------------

  // realtime/static/client.js tells "beacon:ended" once this page's session is over (a log-out in another tab, a
  // password changed) and it has stopped: the page says so in its status region, once, with the way back to
  // where it was, and the count says it is no longer kept up to date.
  document.addEventListener("beacon:ended", function () {
    var region = $("session-status");
    if (!region || region.firstChild) return;
    var note = document.createElement("p"), link = document.createElement("a"), stale = "not updated since you were logged out";
    note.className = "session-ended";
    note.appendChild(document.createTextNode("You were logged out, so this page no longer shows new notifications. "));
    link.href = (region.getAttribute("data-login-url") || "/accounts/login/") + "?next=" +
      encodeURIComponent(location.pathname + location.search);
    link.textContent = "Log in again";
    note.appendChild(link);
    region.appendChild(note);
    var badge = $("unread-count");
    if (bellBox) bellBox.classList.add("ended");
    if (badge) badge.title = "Notifications " + stale;
    if (bell) bell.setAttribute("aria-label", bell.getAttribute("aria-label") + ", " + stale);
  });

  // --- bulk select ---------------------------------------------------------------------------------------------

  // The list's checkboxes belong to form#bulk by their form="bulk"; without this script it is a plain POST that
  // comes back (its "Select all" sending the page's ids). With it, "Select all" ticks the page's rows (and offers
  // "Select all N matching", which sends the filter instead), Shift+click ticks or clears the rows between, x ticks
  // the focused row, and the form acts in place: the rows change at once, the server's sentence (and a Done's or a
  // mute's Undo) shows in #messages, and the count (here and in every tab) follows the stream's event.
  var bulkForm = $("bulk"), selectAll = $("select-all"), selectMatching = $("select-matching");
  var bulkMatching = $("bulk-matching"), messageRegion = $("messages");

  // What the page says after a change, in its status region, as the next page would after a plain form.
  function bulkSay(words, kind, undo) {
    if (!messageRegion) return null;
    var items = document.createElement("ul"), item = document.createElement("li"), button = null;
    items.className = "messages";
    item.className = kind || "success";
    item.textContent = words;
    if (undo) {
      button = document.createElement("button");
      button.type = "button";
      button.className = "link undo";
      button.textContent = undo.label;
      item.appendChild(document.createTextNode(" "));
      item.appendChild(button);
    }
    items.appendChild(item);
    messageRegion.replaceChildren(items);
    return button;
  }

  // (a star's look is setSaved's, in "done, undo, move to inbox and the star, in place": the group rows' stars
  // and the Saved view follow too)
  function bulkSetStar(id, saved) { setSaved([id], saved); }
  document.addEventListener("beacon:saved-many", function (event) { setSaved(event.detail.ids, event.detail.saved); });

  // The "Mute this group" ways out of these groups, hidden once muted (shown again by the Undo).
  function bulkMuteWays(groups, hidden) {
    groups.forEach(function (group) {
      [].forEach.call(document.querySelectorAll('form.way-out[action="/groups/' + group + '/mute/"]'), function (form) {
        form.hidden = hidden;
      });
    });
  }

  // The list and the bell as the server shows them now: after a change of more than its event named, or an Undo.
  // (The bell is on every page; a page without the list takes it from the notifications page.)
  var bulkReloading = null;
  function bulkReloadList() {
    if (bulkReloading) return;
    bulkReloading = fetch(list ? location.href : "/notifications/", {
      credentials: "same-origin", headers: { Accept: "text/html" }
    }).then(function (response) { return response.ok && !response.redirected ? response.text() : null; })
      .then(function (html) {
        var fresh = html && new DOMParser().parseFromString(html, "text/html");
        ["notification-list", "bell-list"].forEach(function (id) {
          var shown = $(id), now = fresh && fresh.getElementById(id);
          if (shown && now) shown.replaceChildren.apply(shown, [].slice.call(now.childNodes));
        });
      })
      .catch(function () {})
      .then(function () { bulkReloading = null; });
  }
  document.addEventListener("beacon:incomplete", bulkReloadList);

  if (list && bulkForm) {
    var lastTicked = null, plainSubmit = false;
    if (selectAll) selectAll.removeAttribute("name"); // the rows' own checkboxes say it now

    var boxes = function () { return [].slice.call(list.querySelectorAll(":scope > .notification > input.select")); };
    // "Select all N matching" is offered once the whole page is ticked, as in Gmail.
    var offerMatching = function () {
      if (!bulkMatching) return;
      bulkMatching.hidden = !selectAll || !selectAll.checked;
      if (bulkMatching.hidden) selectMatching.checked = false;
    };
    var syncAll = function () {
      if (!selectAll) return;
      var all = boxes(), ticked = all.filter(function (box) { return box.checked; }).length;
      selectAll.checked = all.length > 0 && ticked === all.length;
      selectAll.indeterminate = ticked > 0 && ticked < all.length;
      offerMatching();
    };
    offerMatching();

    if (selectAll) {
      selectAll.addEventListener("change", function () {
        boxes().forEach(function (box) { box.checked = selectAll.checked; });
        selectAll.indeterminate = false;
        offerMatching();
      });
    }
    list.addEventListener("click", function (event) {
      var box = event.target;
      if (!box.matches || !box.matches("input.select")) return;
      var all = boxes(), from = all.indexOf(lastTicked), to = all.indexOf(box);
      if (event.shiftKey && from >= 0 && to >= 0) {
        all.slice(Math.min(from, to), Math.max(from, to) + 1).forEach(function (other) { other.checked = box.checked; });
      }
      lastTicked = box;
      syncAll();
    });
    document.addEventListener("keydown", function (event) {
      var target = event.target;
      if (event.key !== "x" || event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
      if (target.closest && target.closest("input, textarea, select, [contenteditable], #bell, dialog")) return;
      var row = target.closest && target.closest("#notification-list > .notification");
      var box = row && row.querySelector(":scope > input.select");
      if (!box) return;
      event.preventDefault();
      box.checked = !box.checked;
      lastTicked = box;
      syncAll();
    });

    // What an answer changes on this page at once (the stream's events then say the same to every tab).
    var shown = function (answer) {
      var ids = answer.ids || [];
      if (answer.action === "read" || answer.action === "unread") ids.forEach(function (id) { setRead(id, answer.read); });
      else if (answer.action === "done") document.dispatchEvent(new CustomEvent("beacon:done", { detail: { ids: ids } }));
      else if (answer.action === "save" || answer.action === "unsave") {
        ids.forEach(function (id) { bulkSetStar(id, answer.action === "save"); });
      } else if (answer.action === "mute") bulkMuteWays(answer.groups || [], true);
    };

    var offerUndo = function (answer) {
      var button = bulkSay(answer.message, "success", answer.undo);
      if (!button) return;
      button.focus();
      button.addEventListener("click", function () {
        var data = new FormData();
        answer.undo.values.forEach(function (value) { data.append(answer.undo.field, value); });
        send(answer.undo.url, "POST", data).then(function (undone) {
          if (answer.action === "mute") {
            bulkMuteWays(answer.groups || [], false);
            bulkSay("Unmuted " + undone.unmuted + " group" + (undone.unmuted === 1 ? "" : "s") + ".");
          } else {
            bulkReloadList(); // the rows come back as the server shows them
            bulkSay("Moved " + undone.moved + " notification" + (undone.moved === 1 ? "" : "s") + " back to the inbox.");
          }
        }, function () { bulkSay("Could not undo: try again.", "error", answer.undo); });
      });
    };

    bulkForm.addEventListener("submit", function (event) {
      if (plainSubmit) return;
      event.preventDefault();
      var button = event.submitter, ticked = boxes().filter(function (box) { return box.checked; });
      var matching = selectMatching && selectMatching.checked;
      if (!ticked.length && !matching) { bulkSay("Select at least one notification.", "error"); return; }
      if (bulkForm.getAttribute("aria-busy") === "true") return;
      bulkForm.setAttribute("aria-busy", "true");
      var data = new FormData(bulkForm);
      if (button && button.name) data.append(button.name, button.value);
      // (not bulkForm.action: its buttons named "action" shadow it)
      send(bulkForm.getAttribute("action"), "POST", data).then(function (answer) {
        shown(answer);
        ticked.forEach(function (box) { box.checked = false; });
        syncAll();
        offerUndo(answer);
      }).catch(function () {
        plainSubmit = true; // the plain form, as without JavaScript (the page says what was wrong)
        bulkForm.requestSubmit(button);
      }).then(function () { bulkForm.removeAttribute("aria-busy"); });
    });
  }

  // --- done and saved ---------------------------------------------------------------------------------------------

  // Done in any tab (this one after its plain form's redirect, or another one): the rows leave the inbox's
  // list and the bell. The Done and Saved views keep them (they list done ones); the count follows from
  // the stream's answer, as for every change. A group row goes once none of its notifications is left.
  function showsDone(list) {
    var state = list && list.getAttribute("data-state");
    return state === "done" || state === "saved";
  }

  // Takes the rows of ``ids`` out of the bell and of every list ``keeps`` (given the list, or null for the
  // bell) does not keep; a group row goes once none of its notifications is left. ``emptyWords``: what the
  // list says when nothing is left in it.
  function takeOut(ids, keeps, emptyWords) {
    var gone = {};
    ids.forEach(function (id) { gone[id] = true; });
    [].forEach.call(document.querySelectorAll(".notification[data-id]"), function (row) {
      if (!gone[row.getAttribute("data-id")] || keeps(row.closest("#notification-list"))) return;
      var group = row.parentElement && row.parentElement.closest(".notification.group");
      var last = group && group.querySelectorAll(".group-items .notification").length === 1;
      var had = row.contains(document.activeElement);
      leaveFocus(last ? group : row); // (a row of the list: the focus moves on to the next)
      row.remove();
      if (last) group.remove();
      else if (group && had) group.focus();
    });
    var list = $("notification-list");
    if (list && !keeps(list) && !list.querySelector(".notification") && !$("notification-empty")) {
      var empty = document.createElement("li");
      empty.className = "empty";
      empty.id = "notification-empty";
      empty.innerHTML = emptyWords;
      list.appendChild(empty);
    }
  }

  document.addEventListener("beacon:done", function (event) {
    takeOut(event.detail.ids, showsDone, "<strong>Nothing here</strong> What you mark done waits in the Done view.");
  });

  // --- snooze ------------------------------------------------------------------------------------------------------

  // A snooze is read in the zone its form carries (the user's saved one), else in the browser's.
  var browserZone = "";
  try { browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { browserZone = ""; }

  // A snooze's end, shown in the server's zone for want of a saved one, is shown in the browser's instead: the
  // zone the snooze was chosen in.
  function inBrowserZone(root) {
    if (!browserZone || !window.Intl) return;
    var format = new Intl.DateTimeFormat("en-GB", { weekday: "short", day: "numeric", month: "short", hour: "2-digit",
                                                   minute: "2-digit", hourCycle: "h23", timeZone: browserZone });
    [].forEach.call(root.querySelectorAll('.snoozed-until time[data-zone="server"]'), function (time) {
      var parts = {};
      format.formatToParts(new Date(time.getAttribute("datetime"))).forEach(function (p) { parts[p.type] = p.value; });
      time.textContent = parts.weekday + " " + parts.day + " " + parts.month + ", " + parts.hour + ":" + parts.minute +
        " (" + browserZone + ")";
      time.removeAttribute("data-zone");
    });
  }
  inBrowserZone(document);

  function stateOf(list) { return list ? list.getAttribute("data-state") : null; }
  // Snoozed: out of the inbox and the bell; the Snoozed and Saved views keep it. Woken: out of the Snoozed view.
  function keepsSnoozed(list) { var state = stateOf(list); return state === "snoozed" || state === "saved"; }
  function keepsWoken(list) { return stateOf(list) !== "snoozed"; }

  function announce(words, undo) {
    var box = $("messages");
    if (!box) return;
    var items = document.createElement("ul"), item = document.createElement("li");
    items.className = "messages";
    item.className = "success";
    item.textContent = words + " ";
    if (undo) item.appendChild(undo);
    items.appendChild(item);
    box.replaceChildren(items);
  }

  function idsOf(form) {
    return [].map.call(form.querySelectorAll("input[name=id]"), function (input) { return +input.value; });
  }

  function wake(ids, form) {
    var data = new FormData();
    ids.forEach(function (id) { data.append("id", id); });
    return send("/notifications/wake/", "POST", data).then(function (answer) {
      takeOut(ids, keepsWoken, "<strong>Nothing snoozed</strong>");
      announce("Woke " + answer.woken + " notification" + (answer.woken === 1 ? "" : "s") + ": back in the inbox, unread.");
    }, function () { if (form) form.submit(); });
  }

  function snooze(form) {
    if (form.getAttribute("aria-busy") === "true") return;
    var zone = form.querySelector("input[name=zone]");
    if (zone && !zone.value && browserZone) zone.value = browserZone;
    var row = form.closest(".notification"), refusal = form.querySelector(".error");
    form.setAttribute("aria-busy", "true");
    send(form.action, "POST", new FormData(form)).then(function (answer) {
      var next = row && (row.nextElementSibling || row.previousElementSibling);
      takeOut(answer.ids, keepsSnoozed, "<strong>Nothing here</strong> What you snooze waits in the Snoozed view.");
      var undo = document.createElement("button");
      undo.type = "button";
      undo.className = "link undo";
      undo.textContent = "Undo snooze";
      undo.addEventListener("click", function () { wake(answer.ids, null); });
      announce("Snoozed until " + answer.until_text + ".", undo);
      if (next && next.isConnected && next.classList.contains("notification")) next.focus();
    }, function (error) {
      if (error.status !== 400 || !error.answer || !error.answer.error) { form.submit(); return; }
      if (!refusal) {
        refusal = document.createElement("p");
        refusal.className = "error";
        refusal.setAttribute("role", "alert");
        form.appendChild(refusal);
      }
      refusal.textContent = error.answer.error;
    }).then(function () { form.removeAttribute("aria-busy"); });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.closest || !form.closest("#notification-list")) return;
    if (form.matches(".snooze-form")) { event.preventDefault(); snooze(form); }
    else if (form.matches(".wake-form")) { event.preventDefault(); wake(idsOf(form), form); }
  });

  // Typing a date and time is choosing it: the list beside it is then not what counts (the server agrees).
  document.addEventListener("input", function (event) {
    var at = event.target;
    if (!at.matches || !at.matches(".snooze-form input[name=at]")) return;
    var until = at.form && at.form.querySelector("select[name=until]");
    if (until) until.disabled = !!at.value;
  });

  document.addEventListener("beacon:snoozed", function (event) {
    takeOut(event.detail.ids, keepsSnoozed, "<strong>Nothing here</strong> What you snooze waits in the Snoozed view.");
  });

  // Its moment came (or another tab woke it): out of the Snoozed view, and back in the inbox and the bell,
  // unread, each group's row fetched as for a new notification.
  document.addEventListener("beacon:woken", function (event) {
    takeOut(event.detail.ids, keepsWoken, "<strong>Nothing snoozed</strong>");
    (event.detail.groups || []).forEach(function (group) {
      var n = { kind: group.kind, read_at: null };
      refresh(group.group_key, belongs(n), bellTakes(n));
    });
  });

  // --- done, undo, move to inbox and the star, in place -------------------------------------------------------

  // A row about to leave the list takes no keyboard user's place with it: the focus goes to the next row,
  // else the one before (as a mail client's archive does).
  function leaveFocus(row) {
    if (!row.isConnected || !row.matches("#notification-list > .notification")) return;
    if (!row.contains(document.activeElement)) return;
    var next = row.nextElementSibling, before = row.previousElementSibling;
    var to = next && next.matches(".notification") ? next : before && before.matches(".notification") ? before : null;
    if (to) to.focus();
  }

  var NOTHING_LEFT = "<strong>Nothing here</strong> What you mark done waits in the Done view.";
  // Undone: out of the Done view only (in the inbox it comes back, below). Unsaved: out of the Saved view only.
  function keepsUndone(list) { return stateOf(list) !== "done"; }
  function keepsUnsaved(list) { return stateOf(list) !== "saved"; }

  // Undone in any tab: back in the inbox (read), so its group's row is fetched back into the list and the bell as
  // a new one is (GET /notifications/group/), in its place by data-at; the Done view lets it go.
  document.addEventListener("beacon:undone", function (event) {
    takeOut(event.detail.ids, keepsUndone, "<strong>Nothing done</strong>");
    (event.detail.groups || []).forEach(function (g) {
      var n = { kind: g.kind, read_at: true }; // undone ones are read
      refresh(g.group_key, belongs(n), bellTakes(n));
    });
  });

  // A star says its state by aria-pressed; its mark, word, title and action follow.
  function setStar(form, saved) {
    var button = form.querySelector("button"), mark = form.querySelector(".star-mark"), word = form.querySelector(".star-word");
    var all = form.classList.contains("group-star") ? " all" : "";
    form.classList.toggle("saved", saved);
    form.action = form.getAttribute(saved ? "data-unsave" : "data-save");
    button.setAttribute("aria-pressed", saved ? "true" : "false");
    button.title = (saved ? "Unsave" : "Save") + all;
    if (mark) mark.textContent = saved ? "★" : "☆";
    if (word) word.textContent = word.getAttribute(saved ? "data-on" : "data-off");
  }

  // These ids starred (or not) in any tab: their stars, and their group rows' (pressed when every one is).
  // The Saved view lets an unsaved one go.
  function setSaved(ids, saved) {
    var groups = [];
    ids.forEach(function (id) {
      [].forEach.call(rowsWithId(id), function (row) {
        var star = row.querySelector(":scope > form.star");
        if (star) setStar(star, saved);
        var group = row.parentElement && row.parentElement.closest(".notification.group");
        if (group && groups.indexOf(group) < 0) groups.push(group);
      });
    });
    groups.forEach(function (group) {
      var star = group.querySelector(":scope > form.group-star");
      if (star) setStar(star, !group.querySelector(".group-items form.star:not(.saved)"));
    });
    if (!saved) takeOut(ids, keepsUnsaved, "<strong>Nothing saved</strong> Star a notification to keep it here.");
  }

  document.addEventListener("beacon:saved", function (event) { setSaved(event.detail.ids, event.detail.saved); });

  // "Marked done." in the page's status region, with its Undo: a form, as the page's own "Undo done" is
  // (z or Enter on it works), which this script does in place, putting back ``rows`` as they were.
  function announceDone(words, ids, rows) {
    var old = $("undo-done");
    if (old) old.remove(); // one Undo at a time: the latest
    var form = document.createElement("form"), button = document.createElement("button");
    form.method = "post";
    form.action = "/notifications/undo-done/";
    form.className = "inline undo-done";
    form.id = "undo-done";
    form.rows = rows;
    [["csrfmiddlewaretoken", csrfToken()], ["next", location.pathname + location.search]].concat(
      ids.map(function (id) { return ["id", id]; })
    ).forEach(function (field) {
      var input = document.createElement("input");
      input.type = "hidden"; input.name = field[0]; input.value = field[1];
      form.appendChild(input);
    });
    button.type = "submit";
    button.className = "link";
    button.textContent = "Undo";
    form.appendChild(button);
    announce(words, form);
  }

  function counted(answer) {
    if (typeof answer.unread === "number") document.dispatchEvent(new CustomEvent("beacon:count", { detail: answer.unread }));
  }

  // The answer changes this page at once, and the stream's events say the same to every tab (this one too).
  function inPlace(form, then) {
    if (form.getAttribute("aria-busy") === "true") return;
    form.setAttribute("aria-busy", "true");
    send(form.action, "POST", new FormData(form)).then(function (answer) {
      then(answer);
      counted(answer);
    }).catch(function () {
      form.submit(); // the plain form, as without JavaScript
    }).then(function () { form.removeAttribute("aria-busy"); });
  }

  // The list's row, taken out whole and kept for its Undo: read, as done reads it.
  function lift(row) {
    leaveFocus(row);
    row.remove();
    row.classList.remove("unread");
    [].forEach.call(row.querySelectorAll(".notification.unread"), function (item) { item.classList.remove("unread"); });
    return row;
  }

  function markDone(form) {
    var row = form.closest("#notification-list > .notification");
    inPlace(form, function (answer) {
      var ids = answer.ids || [], had = row && row.contains(document.activeElement);
      if (row && row.isConnected) lift(row);
      takeOut(ids, function () { return false; }, NOTHING_LEFT); // the bell's
      announceDone(ids.length > 1 ? "Marked " + ids.length + " done." : "Marked done.", ids, row ? [row] : []);
      // The last row gone: its Undo is the place to be.
      var undoButton = document.querySelector("#undo-done button");
      if (had && undoButton && (!document.activeElement || document.activeElement === body)) undoButton.focus();
    });
  }

  function moveToInbox(form) {
    var row = form.closest("#notification-list > .notification");
    inPlace(form, function () {
      if (row && row.isConnected) lift(row);
      takeOut(idsOf(form), keepsUndone, "<strong>Nothing done</strong>");
      announce("Moved to the inbox.");
    });
  }

  // The Saved view lists done ones beside the rest: there a row stays, its Done becoming Move to inbox (or back),
  // so the list comes again as the server shows it (bulk's reload), the focus back on the row it was on.
  function reloadSaved(key) {
    bulkReloadList();
    if (!bulkReloading) return;
    bulkReloading.then(function () {
      var list = $("notification-list"), again = key ? groupRows(key).filter(function (row) {
        return row.matches("#notification-list > .notification");
      })[0] : list && list.querySelector(":scope > .notification");
      if (again) again.focus();
    });
  }

  function inSavedView(form) {
    var row = form.closest("#notification-list > .notification"), key = row && row.getAttribute("data-group");
    inPlace(form, function (answer) {
      if (form.classList.contains("mark-done")) announceDone("Marked done.", answer.ids || [], []);
      else announce("Moved to the inbox.");
      reloadSaved(key);
    });
  }

  function undo(form) {
    var rows = form.rows || [], list = $("notification-list");
    if (stateOf(list) === "saved") {
      inPlace(form, function () { announce("Moved back to the inbox."); reloadSaved(null); });
      return;
    }
    inPlace(form, function () {
      // The rows as they were (the stream's notifications.undone fetches them afresh after); the focus on the first.
      rows.forEach(function (row) { if (list) place(list, row, true); });
      announce("Moved back to the inbox.");
      var first = rows[0] && rows[0].isConnected ? rows[0] : list && list.querySelector(":scope > .notification");
      if (first) first.focus();
    });
  }

  function star(form) {
    inPlace(form, function (answer) {
      setSaved(answer.ids || [answer.id], !!answer.saved);
      if (form.classList.contains("group-star") && form.isConnected) setStar(form, !!answer.saved);
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.matches("form.undo-done")) { event.preventDefault(); undo(form); return; }
    var list = form.closest("#notification-list");
    if (!list || !form.matches("form.inbox-state")) return;
    if (form.classList.contains("star")) { event.preventDefault(); star(form); }
    else if (stateOf(list) === "saved") {
      if (form.matches(".mark-done, .move-to-inbox")) { event.preventDefault(); inSavedView(form); }
    } else if (form.classList.contains("mark-done")) { event.preventDefault(); markDone(form); }
    else if (form.classList.contains("move-to-inbox")) { event.preventDefault(); moveToInbox(form); }
  });

  // --- the list's keyboard shortcuts --------------------------------------------------------------------------

  var dialog = $("shortcuts");
  if (list && dialog) {
    var hint = $("shortcuts-hint");
    if (hint) hint.hidden = false;
    document.addEventListener("keydown", function (event) {
      var target = event.target;
      if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || dialog.open) return;
      if (target.closest && target.closest("input, textarea, select, [contenteditable], #bell, dialog")) return;
      var rows = [].slice.call(list.querySelectorAll(":scope > .notification"));
      var row = target.closest && target.closest("#notification-list > .notification");
      var at = rows.indexOf(row), form = null;
      switch (event.key) {
        case "j": if (rows.length) rows[Math.min(at + 1, rows.length - 1)].focus(); break;
        case "k": if (rows.length) rows[Math.max(at - 1, 0)].focus(); break;
        case "o": form = row && row.querySelector(":scope > form.open"); break;
        case "Enter": if (row && target === row) form = row.querySelector(":scope > form.open"); else return; break;
        case "e": form = row && row.querySelector(":scope > form.mark-read"); break;
        case "U": form = event.shiftKey && row && row.querySelector(":scope > form.mark-unread"); break;
        case "y": form = row && row.querySelector(":scope > form.mark-done, :scope > form.move-to-inbox"); break;
        case "s": form = row && row.querySelector(":scope > form.star"); break;
        case "z": form = $("undo-done"); break;
        case "?": dialog.showModal(); break;
        default: return;
      }
      event.preventDefault();
      if (form) form.requestSubmit();
    });
  }
})();
