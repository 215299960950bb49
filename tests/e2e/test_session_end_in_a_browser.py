"""A tab whose session ended says so, in a real browser; a dropped connection is only retried.

alice's tabs against Beacon's own processes: she logs out in one, the other says she was logged out,
offers to log in again (back to the page it was on) and stops polling; a poll cut on its way, or a
realtime process not answering for a moment, shows nothing of the kind and the count carries on.
Each scenario saves screenshots under var/test-screenshots/. Needs Debian's Chromium
(``apt-get install chromium``); skipped, saying so, without it.
"""

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.support.chromium import log_in
from tests.support.inbox import WAIT_MS, live, make_lab
from web.graphs.actions import create_graph, share_graph

pytestmark = [pytest.mark.stack, pytest.mark.usefixtures("live_db")]

SHOTS = Path(__file__).resolve().parents[2] / "var" / "test-screenshots"
POLL = re.compile(r"/realtime/poll")
BANNER = "#session-status .session-ended"
# The client's first retry comes 0.5-1 s after an error (client.js BACKOFF_MIN_MS): a tab still trying
# would poll at least twice in this long. What is checked is that nothing happens, so it takes a while.
QUIET_MS = 3000


def shots(page, name: str) -> None:
    """The page at 1280 and 375 px wide, light and dark."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width, height in ((1280, 720), (375, 740)):
        page.set_viewport_size({"width": width, "height": height})
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme=scheme)
            page.screenshot(path=SHOTS / f"session-{name}-{width}-{scheme}.png")
    page.emulate_media(color_scheme="light")
    page.set_viewport_size({"width": 1280, "height": 720})


def count_is(page, n: int) -> None:
    page.wait_for_function(f"document.getElementById('unread-count').textContent === '{n}'", timeout=WAIT_MS)


def polls_of(page) -> list:
    """Every poll the page asks for from now on, as its requests' URLs."""
    seen = []
    page.on("request", lambda request: seen.append(request.url) if POLL.search(request.url) else None)
    return seen


@pytest.fixture
def lab(make_user):
    return make_lab(make_user)


@pytest.mark.parametrize("polling", ["the tab left", "the tab she logs out in"])
def test_logged_out_in_one_tab_the_other_says_so_and_stops_polling(beacon, chromium, lab, polling):
    # given alice with three tabs open on her groups page, one unread from bob; the first opened polls for all
    alice, bob, lab = lab
    share_graph(bob, create_graph(bob, name="Yeast PPI").pk, lab.pk)
    context = chromium.new_context()
    stays, leaves, third = context.new_page(), context.new_page(), context.new_page()
    first = stays if polling == "the tab left" else leaves
    log_in(first, beacon.base_url, alice.username, "alice")
    polls = polls_of(stays)
    for tab in (first, stays if first is leaves else leaves, third):
        tab.goto(beacon.base_url + "/groups/?page=1")
        live(tab)
        count_is(tab, 1)
    assert stays.locator("#session-status").get_attribute("role") == "status"
    assert stays.locator("#session-status").inner_text() == ""

    # when she logs out in the other tab
    with leaves.expect_navigation():
        leaves.locator(".site-nav form button", has_text="Log out").click()

    # then the tab she left says she was logged out, in its status region, with the way back to this page
    stays.wait_for_selector(BANNER, timeout=WAIT_MS)
    banner = stays.locator(BANNER)
    assert banner.inner_text().startswith("You were logged out")
    again = banner.get_by_role("link", name="Log in again")
    href = urlsplit(again.get_attribute("href"))
    assert href.path == "/accounts/login/" and parse_qs(href.query) == {"next": ["/groups/?page=1"]}
    # and its count says it is no longer kept up to date
    assert "ended" in stays.locator("#bell").get_attribute("class")
    assert "logged out" in stays.locator("#unread-count").get_attribute("title")
    assert stays.locator("#notifications-link").get_attribute("aria-label").endswith("since you were logged out")
    # and so does the third, whether it was the one polling or heard of it from the one that was
    third.wait_for_selector(BANNER, timeout=WAIT_MS)
    shots(stays, "ended")
    # and it polls no more: the refusal was the last poll it made
    asked = len(polls)
    assert asked >= 1
    stays.wait_for_timeout(QUIET_MS)
    assert len(polls) == asked, f"the ended tab went on polling: {polls[asked:]}"

    # when she follows the link by keyboard and logs in again
    again.focus()
    with stays.expect_navigation():
        stays.keyboard.press("Enter")
    assert urlsplit(stays.url).path == "/accounts/login/"
    stays.fill("#id_username", alice.username)
    stays.fill("#id_password", "alice")
    with stays.expect_navigation():
        stays.click("main button[type=submit]")

    # then she is back on the page she was on, live again: bob's share rings her bell there
    assert stays.url == beacon.base_url + "/groups/?page=1"
    live(stays)
    assert stays.locator("#session-status").inner_text() == ""
    share_graph(bob, create_graph(bob, name="Yeast PPI 2").pk, lab.pk)
    count_is(stays, 2)
    context.close()


def test_a_dropped_poll_or_a_realtime_restart_is_retried_and_says_nothing(beacon, chromium, lab):
    # given alice's tab, whose first polls are cut on the way or find realtime not answering (the router's 502)
    alice, bob, lab = lab
    page = chromium.new_context().new_page()
    log_in(page, beacon.base_url, alice.username, "alice")
    failed = []

    def flaky(route):
        if len(failed) >= 3:
            route.continue_()
            return
        failed.append(route.request.url)
        if len(failed) < 3:
            route.abort("connectionrefused")
        else:
            route.fulfill(status=502, content_type="text/html", body="<h1>502 Bad Gateway</h1>")

    page.route(POLL, flaky)
    polls = polls_of(page)
    page.goto(beacon.base_url + "/groups/")
    live(page)

    # when its polls have failed three times over, backing off, and the fourth gets through
    if len(polls) < 4:
        page.wait_for_event("request", predicate=lambda request: POLL.search(request.url) and len(failed) == 3,
                            timeout=WAIT_MS)
    assert len(failed) == 3
    # and bob shares a graph with the group
    share_graph(bob, create_graph(bob, name="Yeast PPI").pk, lab.pk)

    # then her count follows, and nothing says she was logged out
    count_is(page, 1)
    assert page.locator("#session-status").count() == 1
    assert page.locator("#session-status").inner_text() == ""
    assert "ended" not in page.locator("#bell").get_attribute("class")
    assert page.locator("#unread-count").get_attribute("title") is None
    assert page.locator("#notifications-link").get_attribute("aria-label") == "Notifications, 1 unread"
    shots(page, "retried")
    page.context.close()
