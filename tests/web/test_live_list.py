"""The open notifications page takes in new notifications only where they belong.

The page is rendered by Django; Chromium loads it and realtime/static/client.js
from a routed origin, and the poll is answered by the test, so the client's
own rule is checked without Beacon's processes. Needs Debian's Chromium; skipped
without it.
"""

import json
import shutil
from pathlib import Path

import pytest

from tests.support.events import graph_event
from web.groups.actions import create_group
from web.notifications.delivery import deliver
from web.notifications.models import Notification

pytestmark = pytest.mark.django_db

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
CLIENT_JS = Path(__file__).resolve().parents[2] / "realtime" / "static" / "client.js"
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
    for n in range(51):
        deliver(graph_event(bob, f"Old {n}", kind="group", group=lab, to=[alice]))
    oldest = Notification.objects.filter(user=alice).order_by("id").first()

    def arriving(cursor: int) -> dict:
        # Stored as the pipeline would, then handed to the page as its poll's answer.
        deliver(graph_event(bob, "New in Lab", kind="group", group=lab, to=[alice]))
        deliver(graph_event(bob, "Watched map", kind="watching", to=[alice]))
        new = Notification.objects.filter(user=alice).order_by("-id")[:2][::-1]
        events = [{"seq": cursor + i + 1, "type": "notification.created", "notification": n.as_event_payload()}
                  for i, n in enumerate(new)]
        events.append({"seq": cursor + 3, "type": "notification.read", "id": oldest.pk})
        return {"cursor": cursor + 3, "unread": 53, "events": events}

    return alice, oldest, arriving


def open_page(chromium, html: str, answer: dict):
    """The page in Chromium, whose first poll gets ``answer`` and the next one 401 (the client stops)."""
    page = chromium().new_page()
    polls = []

    def serve(route):
        url = route.request.url
        if url.endswith("/realtime/client.js"):
            route.fulfill(body=CLIENT_JS.read_text(), content_type="application/javascript")
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
    return page


def rows(page) -> list[str]:
    return page.eval_on_selector_all("#notification-list li.notification",
                                     "items => items.map(li => li.querySelector('button').textContent)")


def render(browser_for, alice, url: str, arriving):
    response = browser_for(alice).get(url)
    assert response.status_code == 200
    html = response.content.decode()
    cursor = int(html.split('data-realtime-cursor="')[1].split('"')[0])
    return html, arriving(cursor)


def test_the_newest_unfiltered_page_takes_every_new_one(chromium, browser_for, alice_told):
    # given alice's notifications page open, newest first, nothing filtered
    alice, oldest, arriving = alice_told
    html, answer = render(browser_for, alice, "/notifications/", arriving)

    # when two notifications arrive
    page = open_page(chromium, html, answer)

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
    html, answer = render(browser_for, alice, "/notifications/?kind=group", arriving)

    # when a group and a watching notification arrive
    page = open_page(chromium, html, answer)

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
    html, answer = render(browser_for, alice, f"/notifications/?before={before}", arriving)
    assert f'<li class="notification unread" data-id="{oldest.pk}"' in html

    # when new ones arrive and the oldest is read in another tab
    page = open_page(chromium, html, answer)

    # then the page still shows only its own one notification, now read
    assert len(rows(page)) == 1
    page.wait_for_function(f"!document.querySelector('[data-id=\"{oldest.pk}\"]').classList.contains('unread')",
                           timeout=5_000)
