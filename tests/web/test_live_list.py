"""The open notifications page takes in new notifications only where they belong.

The page is rendered by Django; Chromium loads it, realtime/static/client.js
and web/static/beacon/inbox.js from a routed origin, the poll is answered by
the test and a new group's row by what Django rendered for it beforehand, so
the client's own rule is checked without Beacon's processes. Needs Debian's Chromium; skipped
without it.
"""

import json
import shutil
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from tests.support.events import graph_event
from web.groups.actions import create_group
from web.notifications.delivery import deliver
from web.notifications.models import Notification

pytestmark = pytest.mark.django_db

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = {"/realtime/client.js": ROOT / "realtime" / "static" / "client.js",
           "/static/beacon/inbox.js": ROOT / "web" / "static" / "beacon" / "inbox.js"}
# A loopback origin is a secure context (Web Locks, as in production over HTTPS);
# nothing listens there: every request is answered by the route below.
ORIGIN = "http://127.0.0.1:9"


@pytest.fixture
def chromium():
    """Starts Chromium when first asked: after the test's database work, which Playwright's event loop would
    otherwise take for async code."""
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    started = []

    def launch():
        if not started:
            playwright = sync_playwright().start()
            started.append((playwright, playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)))
        return started[0][1]

    yield launch
    for playwright, browser in started:
        browser.close()
        playwright.stop()


@pytest.fixture
def alice_told(make_user):
    """Alice with 51 notifications from bob in Lab (so there is an older page), and two arriving live."""
    alice, bob = make_user("alice"), make_user("bob")
    lab = create_group(alice, name="Lab")
    # each about a graph of its own: 51 rows, not one group
    for n in range(51):
        deliver(graph_event(bob, f"Old {n}", kind="group", group=lab, to=[alice], graph_id=100 + n))
    oldest = Notification.objects.filter(user=alice).order_by("id").first()

    def arriving(cursor: int) -> dict:
        # Stored as the pipeline would, then handed to the page as its poll's answer.
        deliver(graph_event(bob, "New in Lab", kind="group", group=lab, to=[alice], graph_id=200))
        deliver(graph_event(bob, "Watched map", kind="watching", to=[alice], graph_id=201))
        new = Notification.objects.filter(user=alice).order_by("-id")[:2][::-1]
        events = [{"seq": cursor + i + 1, "type": "notification.created", "notification": n.as_event_payload()}
                  for i, n in enumerate(new)]
        events.append({"seq": cursor + 3, "type": "notification.read", "id": oldest.pk})
        return {"cursor": cursor + 3, "unread": 53, "events": events}

    return alice, oldest, arriving


def open_page(chromium, html: str, answer: dict, rows_html: dict):
    """The page in Chromium, whose first poll gets ``answer`` and the next one 401 (the client stops)."""
    page = chromium().new_page()
    polls = []

    def serve(route):
        url = route.request.url
        path, _, query = url[len(ORIGIN):].partition("?")
        if path in SCRIPTS:
            route.fulfill(body=SCRIPTS[path].read_text(), content_type="application/javascript")
        elif path == "/notifications/group/":
            route.fulfill(body=rows_html[parse_qs(query)["group"][0]], content_type="text/html")
        elif path.startswith("/static/"):
            route.fulfill(status=404, body="")
        elif "/realtime/poll" in url:
            polls.append(url)
            if len(polls) == 1:
                route.fulfill(body=json.dumps(answer), content_type="application/json")
            else:
                route.fulfill(status=401, body="{}", content_type="application/json")
        else:
            route.fulfill(body=html, content_type="text/html")

    page.route(f"{ORIGIN}/**", serve)
    page.goto(f"{ORIGIN}/notifications/")
    page.wait_for_function("document.getElementById('unread-count').textContent === '53'", timeout=10_000)
    # and every new group's row is in the bell (and in the list, where it belongs)
    page.wait_for_function("keys => keys.every(key => [...document.querySelectorAll('#bell-list > li')]"
                           ".some(li => li.dataset.group === key))", arg=list(rows_html), timeout=10_000)
    return page


def rows(page) -> list[str]:
    return page.eval_on_selector_all("#notification-list > li.notification",
                                     "items => items.map(li => li.querySelector('button').textContent)")


def render(browser_for, alice, url: str, arriving):
    """The page, the poll's answer, and each arriving notification's group row as the server renders it."""
    browser = browser_for(alice)
    response = browser.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    cursor = int(html.split('data-realtime-cursor="')[1].split('"')[0])
    answer = arriving(cursor)
    keys = [e["notification"]["group_key"] for e in answer["events"] if e["type"] == "notification.created"]
    rows_html = {key: browser.get("/notifications/group/", {"group": key, "next": url}).content.decode()
                 for key in keys}
    return html, answer, rows_html


def test_the_newest_unfiltered_page_takes_every_new_one(chromium, browser_for, alice_told):
    # given alice's notifications page open, newest first, nothing filtered
    alice, oldest, arriving = alice_told
    html, answer, rows_html = render(browser_for, alice, "/notifications/", arriving)

    # when two notifications arrive
    page = open_page(chromium, html, answer, rows_html)

    # then both are at the top, newest first, as text
    bob = answer["events"][0]["notification"]["actor"]
    assert rows(page)[:3] == [f"{bob} created graph “Watched map”.",
                              f"{bob} created graph “New in Lab”, shared with “Lab”.",
                              f"{bob} created graph “Old 50”, shared with “Lab”."]
    # and each new row opens by a POST that comes back here
    form = page.locator("#notification-list li").first.locator("form.open")
    assert form.get_attribute("method") == "post"
    assert page.locator("#notification-list li").first.locator("input[name=next]").first.get_attribute("value") \
        == "/notifications/"


def test_a_kind_filter_takes_only_new_ones_of_its_kind(chromium, browser_for, alice_told):
    # given alice looking at her group notifications only
    alice, _, arriving = alice_told
    html, answer, rows_html = render(browser_for, alice, "/notifications/?kind=group", arriving)

    # when a group and a watching notification arrive
    page = open_page(chromium, html, answer, rows_html)

    # then only the group one joins the list (the toast still tells of both)
    shown = rows(page)
    assert "New in Lab" in shown[0] and not any("Watched map" in text for text in shown)
    assert len(shown) == 51
    assert page.locator(".toast").count() == 2


def test_an_older_page_takes_none_but_follows_read_state(chromium, browser_for, alice_told):
    # given alice on her second page, where her oldest notification is shown unread
    alice, oldest, arriving = alice_told
    first_page = browser_for(alice).get("/notifications/").content.decode()
    before = first_page.split('id="older-page"')[0].rsplit("before=", 1)[1].split('"')[0]
    html, answer, rows_html = render(browser_for, alice, f"/notifications/?before={before}", arriving)
    assert f'<li class="notification group unread" data-id="{oldest.pk}"' in html

    # when new ones arrive and the oldest is read in another tab
    page = open_page(chromium, html, answer, rows_html)

    # then the page still shows only its own one notification, now read
    assert len(rows(page)) == 1
    page.wait_for_function(f"!document.querySelector('[data-id=\"{oldest.pk}\"]').classList.contains('unread')",
                           timeout=5_000)


def test_a_change_of_more_than_its_event_names_reloads_the_list_from_the_server(chromium, browser_for, make_user,
                                                                                monkeypatch):
    from web.notifications import actions
    from web.notifications.models import StreamEvent
    from web.notifications.queries import NotificationFilter

    # given alice's list open with five unread from bob, one row each
    alice, bob = make_user("alice"), make_user("bob")
    lab = create_group(alice, name="Lab")
    for n in range(5):
        deliver(graph_event(bob, f"Old {n}", kind="group", group=lab, to=[alice], graph_id=100 + n))
    browser = browser_for(alice)
    before = browser.get("/notifications/").content.decode()
    assert before.count('<li class="notification group unread"') == 10  # the list's five and the bell's

    # when another tab marks all of them read, in an event that names only the newest two (complete: false)
    monkeypatch.setattr(actions, "READ_ALL_IDS_MAX", 2)
    actions.mark_read_many(alice, matching=NotificationFilter())
    event = StreamEvent.objects.filter(user=alice).order_by("-seq").first()
    assert (len(event.payload["ids"]), event.payload["complete"]) == (2, False)
    answer = {"cursor": event.seq, "unread": 0, "events": [{"seq": event.seq, "type": event.type, **event.payload}]}
    after = browser.get("/notifications/").content.decode()
    pages, polls = [before, after], []
    page = chromium().new_page()

    def serve(route):
        path = route.request.url[len(ORIGIN):].partition("?")[0]
        if path in SCRIPTS:
            route.fulfill(body=SCRIPTS[path].read_text(), content_type="application/javascript")
        elif path.startswith("/static/"):
            route.fulfill(status=404, body="")
        elif path == "/realtime/poll":
            polls.append(path)
            route.fulfill(body=json.dumps(answer) if len(polls) == 1 else "{}", status=200 if len(polls) == 1 else 401,
                          content_type="application/json")
        else:
            route.fulfill(body=pages.pop(0) if len(pages) > 1 else pages[0], content_type="text/html")

    page.route(f"{ORIGIN}/**", serve)
    page.goto(f"{ORIGIN}/notifications/")

    # then every row shows read, in the list and the bell, not only the two the event named: both fetched again
    page.wait_for_function("document.querySelectorAll('#notification-list > li.notification').length === 5 && "
                           "document.querySelectorAll('#bell-list > li.notification').length === 5 && "
                           "!document.querySelector('#notification-list > li.unread, #bell-list > li.unread')",
                           timeout=10_000)
    assert page.locator("#unread-count").text_content() == "0"
