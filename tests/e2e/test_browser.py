"""In a real browser: the header count and the list update live, text escaped.

Needs Debian's Chromium (``apt-get install chromium``, the one step that
needs root); without it this test is skipped and says so.
"""

import pytest

from tests.support.chromium import log_in as log_in_at
from web.graphs.actions import create_graph
from web.groups.actions import add_member, create_group

pytestmark = [pytest.mark.stack, pytest.mark.usefixtures("live_db")]
ONE_ROW = "document.querySelectorAll('#notification-list > li').length === 1"


def log_in(page, beacon, user, password: str) -> None:
    log_in_at(page, beacon.base_url, user.username, password)


def test_alices_open_page_shows_bobs_new_graph_without_a_reload(beacon, chromium, make_user):
    # given alice, with her notifications page open, in a group with bob
    alice, bob = make_user("alice"), make_user("bob")
    lab = create_group(alice, name="Lab")
    add_member(alice, lab.pk, bob.username)
    page = chromium.new_page()
    log_in(page, beacon, alice, "alice")
    page.goto(beacon.base_url + "/notifications/")
    # ("You created group Lab" is in her list, read: her own action)
    page.wait_for_function(ONE_ROW, timeout=20_000)
    assert page.locator("#unread-count").text_content() == "0"
    page.evaluate("window.loadedAt = performance.timeOrigin")

    # when bob shares a graph whose name is markup
    create_graph(bob, name="<img src=x onerror=window.pwned=1>", group_id=lab.pk)

    # then her header and list change live, on the same page load, and the markup stays text
    page.wait_for_function("document.getElementById('unread-count').textContent === '1'", timeout=20_000)
    page.wait_for_function("document.querySelectorAll('#notification-list > li').length === 2", timeout=20_000)
    newest = page.locator("#notification-list > li").first
    # (the row's own words: its checkbox's label and buttons say them again)
    assert newest.locator("form.open button").inner_text().startswith(
        f"{bob.username} shared graph “<img src=x onerror=window.pwned=1>”")
    # and it reads like the rows the server rendered: unread, and why she was told
    assert "unread" in newest.locator(".muted").first.inner_text()
    assert newest.locator(".reasons").inner_text().strip() == "(member of Lab)"
    assert page.locator(".toast").first.inner_text().startswith(f"{bob.username} shared graph")
    assert page.evaluate("window.loadedAt === performance.timeOrigin && window.pwned === undefined")
    page.close()


def test_tabs_share_one_poll_and_a_read_in_one_shows_in_the_other(beacon, chromium, make_user):
    # given alice with two tabs of her notifications page open in one browser
    alice, bob = make_user("alice"), make_user("bob")
    lab = create_group(alice, name="Lab")
    add_member(alice, lab.pk, bob.username)
    context = chromium.new_context()
    first, second = context.new_page(), context.new_page()
    held_polls = {first: [], second: []}
    for tab in (first, second):
        tab.on("request", lambda request, tab=tab: held_polls[tab].append(request.url)
               if "/realtime/poll" in request.url and "timeout=0" not in request.url else None)
    log_in(first, beacon, alice, "alice")
    for tab in (first, second):
        tab.goto(beacon.base_url + "/notifications/")
        tab.wait_for_function(ONE_ROW, timeout=20_000)  # her own "You created group Lab", read

    # when bob shares a graph
    graph = create_graph(bob, name="Shared map", group_id=lab.pk)

    # then both tabs show it, though only the first tab polls
    for tab in (first, second):
        tab.wait_for_function("document.getElementById('unread-count').textContent === '1'", timeout=20_000)
        tab.wait_for_function("document.querySelectorAll('#notification-list > li').length === 2", timeout=20_000)
        assert tab.locator("#notification-list > li.unread").first.locator("form.open button").inner_text() \
            .startswith(f"{bob.username} shared")
    assert held_polls[first] and not held_polls[second]

    # when she marks it read in the second tab
    second.locator("#notification-list > li").first.locator(".mark-read button").click()

    # then the first tab, untouched, shows it read and the count down
    first.wait_for_function("document.getElementById('unread-count').textContent === '0'", timeout=20_000)
    first.wait_for_function("!document.querySelector('#notification-list > li').classList.contains('unread')",
                            timeout=20_000)

    # when the polling tab closes, the other takes over and still gets what comes next
    first.close()
    second.wait_for_function("document.getElementById('unread-count').textContent === '0'", timeout=20_000)
    if not held_polls[second]:
        second.wait_for_event("request", lambda r: "/realtime/poll" in r.url and "timeout=0" not in r.url,
                              timeout=10_000)
    create_graph(bob, name=f"After {graph.name}", group_id=lab.pk)
    second.wait_for_function("document.getElementById('unread-count').textContent === '1'", timeout=20_000)
    context.close()
