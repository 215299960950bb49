"""The inbox in a real browser: the bell and its dropdown, groups, toasts, acting in place, a way out
of a notification, and the keyboard.

Two or more browser contexts against Beacon's own processes: bob acts (through the actions, as his
pages would), alice watches it happen. Each scenario saves a screenshot under var/test-screenshots/.
Needs Debian's Chromium (``apt-get install chromium``); skipped, saying so, without it.
"""

import time
from pathlib import Path

import pytest

from tests.support.chromium import log_in
from tests.support.inbox import WAIT_MS, make_lab, open_as, stored
from web.accounts.actions import update_preferences
from web.graphs.actions import create_graph, is_watching, share_graph, update_graph, watch_graph
from web.graphs.models import Graph
from web.notifications.actions import mark_all_read
from web.notifications.models import Notification

pytestmark = [pytest.mark.stack, pytest.mark.usefixtures("live_db")]

SHOTS = Path(__file__).resolve().parents[2] / "var" / "test-screenshots"
# Counts the toasts on screen at every change: the most there ever were at once.
TOAST_WATCH = """() => {
  window.mostToasts = 0;
  new MutationObserver(() => {
    window.mostToasts = Math.max(window.mostToasts, document.querySelectorAll('#toasts .toast[data-group]').length);
  }).observe(document.getElementById('toasts'), {childList: true});
}"""


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"inbox-{name}.png")


def count_is(page, n: int) -> None:
    page.wait_for_function(f"document.getElementById('unread-count').textContent === '{n}'", timeout=WAIT_MS)


def rows_are(page, selector: str, n: int) -> None:
    """Wait for ``n`` rows: notifications are delivered in parallel, each row in when its own arrives."""
    page.wait_for_function(f"document.querySelectorAll({selector!r}).length === {n}", timeout=WAIT_MS)


@pytest.fixture
def lab(make_user):
    return make_lab(make_user)


def test_bobs_share_rings_alices_bell_without_a_reload(beacon, chromium, lab):
    # given alice on her graphs page, nothing unread, and bob's graph not yet shared
    alice, bob, lab = lab
    graph = create_graph(bob, name="Yeast PPI")
    page = open_as(chromium, beacon, alice)
    bell = page.locator("#notifications-link")
    count_is(page, 0)
    assert not page.locator("#unread-count").is_visible()
    assert bell.get_attribute("aria-label") == "Notifications"
    page.evaluate("window.loadedAt = performance.timeOrigin")

    # when bob shares it with the group
    share_graph(bob, graph.pk, lab.pk)

    # then the bell's count, its name and the title change on the same page load
    count_is(page, 1)
    assert page.locator("#unread-count").is_visible()
    assert page.locator("#unread-count").get_attribute("aria-live") == "polite"
    assert bell.get_attribute("aria-label") == "Notifications, 1 unread"
    assert page.title() == "(1) Graphs · Beacon"
    # and one toast tells of it
    toast = page.locator("#toasts .toast")
    toast.first.wait_for(timeout=WAIT_MS)
    assert toast.count() == 1 and toast.first.inner_text().startswith(f"{bob.username} shared graph “Yeast PPI”")
    # and the dropdown, opened, has it at the top, unread, with how long ago
    page.locator("#bell-list > li[data-group^='group:']").wait_for(state="attached", timeout=WAIT_MS)
    bell.click()
    assert bell.get_attribute("aria-expanded") == "true" and page.locator("#bell-panel").is_visible()
    first = page.locator("#bell-list > li").first
    assert first.inner_text().startswith(f"{bob.username} shared graph “Yeast PPI”")
    assert "unread" in first.get_attribute("class")
    assert first.locator("time").inner_text() == "just now" and first.locator("time").get_attribute("title")
    # and the bell stays clear of the toast
    toast_box, bell_box = toast.first.bounding_box(), bell.bounding_box()
    assert toast_box["y"] >= bell_box["y"] + bell_box["height"]
    assert page.evaluate("window.loadedAt === performance.timeOrigin")
    shot(page, "bell-open")
    page.context.close()


def test_ten_changes_in_two_seconds_are_one_row_and_few_toasts(beacon, chromium, lab):
    # given alice's notifications page open, and a graph of bob's in the group
    alice, bob, lab = lab
    graph = create_graph(bob, name="Yeast PPI", group_id=lab.pk)  # its upload: unread, in the group below
    page = open_as(chromium, beacon, alice, "/notifications/")
    page.evaluate(TOAST_WATCH)

    # when bob changes it ten times in two seconds, and uploads four more graphs
    for n in range(10):
        update_graph(bob, graph.pk, description=f"take {n}")
        time.sleep(0.2)
    for n in range(4):
        create_graph(bob, name=f"Screen {n}", group_id=lab.pk)

    # then her count has all fifteen: the upload, the ten changes, the four new graphs
    count_is(page, 15)
    # and the ten, with the upload before them, are one row in the list, "(11)", expandable to each of them
    row = page.locator('#notification-list > li[data-count="11"]')
    row.wait_for(timeout=WAIT_MS)
    assert page.locator("#notification-list > li").filter(has_text="Yeast PPI").count() == 1
    assert row.locator(":scope > .open button").inner_text() == f"{bob.username} changed graph “Yeast PPI” (11)"
    summary = row.locator("details.group-items summary")
    summary.click()
    assert row.locator("details li").count() == 11
    # and one row in the dropdown
    page.locator("#notifications-link").click()
    assert page.locator('#bell-list > li[data-count="11"]').count() == 1
    assert page.locator("#bell-list > li").filter(has_text="Yeast PPI").count() == 1
    # and there were never more than three toasts at once: the rest are "+N more"
    assert 1 <= page.evaluate("window.mostToasts") <= 3
    more = page.locator("#toasts .toast-more")
    assert more.count() == 1 and more.inner_text().startswith("+2 more")
    shot(page, "grouped")

    # when she marks the group read from its row
    page.keyboard.press("Escape")
    row.locator(":scope > form.mark-read button").click()

    # then all of them are read, and the count says so
    count_is(page, 4)
    assert "unread" not in row.get_attribute("class")
    assert Notification.objects.filter(user=alice, read_at__isnull=True).count() == 4
    page.context.close()


def test_her_own_upload_is_listed_read_and_rings_nothing(beacon, chromium, lab):
    # given alice on her notifications page, one unread from bob
    alice, bob, lab = lab
    create_graph(bob, name="Bob's", group_id=lab.pk)
    page = open_as(chromium, beacon, alice, "/notifications/")
    count_is(page, 1)
    page.evaluate(TOAST_WATCH)

    # when she uploads a graph of her own, in another tab
    create_graph(alice, name="Mine", group_id=lab.pk)

    # then it is in her list, read; no toast came, and the count did not move
    row = page.locator("#notification-list > li").filter(has_text="You uploaded graph “Mine”")
    row.wait_for(timeout=WAIT_MS)
    assert "unread" not in row.get_attribute("class")
    assert page.evaluate("window.mostToasts") == 0
    assert page.locator("#unread-count").text_content() == "1" and page.title() == "(1) Notifications · Beacon"
    shot(page, "own-action")
    page.context.close()


def test_marked_read_in_the_dropdown_of_one_tab_the_other_tab_counts_down(beacon, chromium, lab):
    # given alice with two tabs open, two unread from bob
    alice, bob, lab = lab
    create_graph(bob, name="First", group_id=lab.pk)
    create_graph(bob, name="Second", group_id=lab.pk)
    context = chromium.new_context()
    one, other = context.new_page(), context.new_page()
    log_in(one, beacon.base_url, alice.username, "alice")
    for tab in (one, other):
        tab.goto(beacon.base_url + "/groups/")
        count_is(tab, 2)
        rows_are(tab, "#bell-list > li", 2)  # her own "You created group Lab" stays out of the bell

    # when she marks one read in the first tab's dropdown
    one.locator("#notifications-link").click()
    newest = one.locator("#bell-list > li").first
    scrolled = one.evaluate("window.scrollY")
    newest.locator(":scope > form.mark-read button").click()

    # then, without a reload, the row there is read and both tabs count one
    count_is(one, 1)
    count_is(other, 1)
    assert "unread" not in newest.get_attribute("class")
    assert other.title() == "(1) Groups · Beacon" and one.evaluate("window.scrollY") == scrolled
    # and the other tab's dropdown shows it read too
    other.wait_for_function("!document.querySelector('#bell-list > li').classList.contains('unread')", timeout=WAIT_MS)
    shot(one, "read-in-one-tab")
    context.close()


def test_unwatch_from_the_reason_stops_it_and_undo_brings_it_back(beacon, chromium, lab):
    # given alice hearing of bob's graph only as its watcher (group notifications off)
    alice, bob, lab = lab
    graph = create_graph(bob, name="Kinase map", group_id=lab.pk)
    stored(alice, 1, notice__target_id=graph.pk)  # the share, before she turns group notifications off
    watch_graph(alice, graph.pk)
    update_preferences(alice, app_group=False)
    mark_all_read(alice)
    update_graph(bob, graph.pk, description="first")
    page = open_as(chromium, beacon, alice, "/notifications/")
    count_is(page, 1)
    row = page.locator("#notification-list > li").first
    assert row.locator(".reasons").filter(has_text="(watching graph Kinase map)").count() == 1

    # when she chooses "Unwatch" beside the reason
    row.locator("form.way-out").filter(has_text="Unwatch").locator("button").click()

    # then it is done in place, with an Undo in place of the button, and she no longer watches it
    done = row.locator(".way-out-done")
    done.wait_for(timeout=WAIT_MS)
    assert not row.locator("form.way-out").filter(has_text="Unwatch").is_visible()
    assert done.inner_text().startswith("You no longer watch graph “Kinase map”.")
    assert page.url == beacon.base_url + "/notifications/"
    assert not is_watching(alice, graph=Graph.objects.get(pk=graph.pk))
    shot(page, "unwatched")
    # and bob's next change does not reach her
    update_graph(bob, graph.pk, description="second")
    stored(bob, 2, notice__target_id=graph.pk, notice__verb="updated")  # delivered: bob heard of it as its owner
    assert Notification.objects.filter(user=alice, notice__target_id=graph.pk, notice__verb="updated").count() == 1

    # when she undoes it
    done.get_by_role("button", name="Undo").click()

    # then she watches it again, and the next change reaches her
    done.wait_for(state="detached", timeout=WAIT_MS)
    assert row.locator("form.way-out").filter(has_text="Unwatch").is_visible()
    assert is_watching(alice, graph=Graph.objects.get(pk=graph.pk))
    update_graph(bob, graph.pk, description="third")
    count_is(page, 2)
    page.context.close()


def test_the_bell_by_keyboard_alone(beacon, chromium, lab):
    # given alice with two unread, on her graphs page
    alice, bob, lab = lab
    create_graph(bob, name="First", group_id=lab.pk)
    create_graph(bob, name="Second", group_id=lab.pk)
    page = open_as(chromium, beacon, alice)
    count_is(page, 2)
    rows_are(page, "#bell-list > li", 2)  # not "You created group Lab": her own, out of the bell
    bell = page.locator("#notifications-link")

    # when she tabs to the bell and opens it with Enter
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "notifications-link":
            break
    assert bell.get_attribute("aria-controls") == "bell-panel"
    page.keyboard.press("Enter")
    assert bell.get_attribute("aria-expanded") == "true"

    # then Tab moves through the dropdown, to the newest's "Mark read", and Enter marks it read
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("!!document.activeElement.closest('#bell-list > li > form.mark-read')"):
            break
    assert page.evaluate("document.activeElement.closest('#bell-list > li') === "
                         "document.querySelector('#bell-list > li')")
    page.keyboard.press("Enter")
    count_is(page, 1)
    # and the focus is on what undoes it, still in the dropdown
    page.wait_for_function("!!document.activeElement.closest('#bell-list > li > form.mark-unread')", timeout=WAIT_MS)
    shot(page, "keyboard")

    # when she presses Escape, the dropdown closes and the focus is back on the bell
    page.keyboard.press("Escape")
    assert bell.get_attribute("aria-expanded") == "false" and not page.locator("#bell-panel").is_visible()
    assert page.evaluate("document.activeElement.id") == "notifications-link"
    page.context.close()


def test_the_lists_keyboard_shortcuts(beacon, chromium, lab):
    # given alice's list with three rows from bob
    alice, bob, lab = lab
    graphs = [create_graph(bob, name=name, group_id=lab.pk) for name in ("One", "Two", "Three")]
    page = open_as(chromium, beacon, alice, "/notifications/")
    count_is(page, 3)
    rows = page.locator("#notification-list > li")
    rows_are(page, "#notification-list > li", 4)  # and her own "You created group Lab", read
    # (newest first: as they were delivered, which need not be the order bob made them in)
    order = rows.locator(":scope > .open button").all_inner_texts()
    focused_text = "document.activeElement.querySelector('.open button').textContent"

    # when she presses j, j, k
    page.keyboard.press("j")
    assert page.evaluate(focused_text) == order[0]
    page.keyboard.press("j")
    assert page.evaluate(focused_text) == order[1]
    page.keyboard.press("k")
    assert page.evaluate(focused_text) == order[0]

    # when she presses e, then Shift+U
    page.keyboard.press("e")
    count_is(page, 2)
    assert "unread" not in rows.first.get_attribute("class")
    page.keyboard.press("Shift+U")
    count_is(page, 3)
    assert "unread" in rows.first.get_attribute("class")

    # when she presses ?, a dialog lists the keys; Escape closes it
    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    assert dialog.is_visible() and "Shift" in dialog.inner_text()
    shot(page, "shortcuts")
    page.keyboard.press("Escape")
    assert not dialog.is_visible()

    # and typing in the search box is only typing
    page.locator("#filter_q").fill("")
    page.locator("#filter_q").press("j")
    assert page.locator("#filter_q").input_value() == "j"

    # when she presses o on a row, it opens: the graph's page, and that one is read
    page.keyboard.press("Escape")
    rows.first.focus()
    with page.expect_navigation():
        page.keyboard.press("o")
    opened = next(g for g in graphs if f"“{g.name}”" in order[0])
    assert page.url == beacon.base_url + opened.get_absolute_url()
    count_is(page, 2)
    page.context.close()


def bell_texts(page) -> list[str]:
    return page.eval_on_selector_all("#bell-list > li.notification", "items => items.map(li => "
                                     "(li.classList.contains('unread') ? 'unread: ' : 'read: ') + "
                                     "li.querySelector(':scope > form.open .text').textContent)")


def test_live_rows_keep_the_bells_order_and_her_own_actions_out_until_she_asks(beacon, chromium, lab):
    # given alice on her notifications page: one of bob's she has read, then one unread
    alice, bob, lab = lab
    create_graph(bob, name="Read one", group_id=lab.pk)
    stored(alice, 2)
    mark_all_read(alice)
    create_graph(bob, name="Waiting", group_id=lab.pk)
    stored(alice, 3)
    page = open_as(chromium, beacon, alice, "/notifications/")
    count_is(page, 1)
    shared = f"{bob.username} shared graph"
    assert bell_texts(page) == [f"unread: {shared} “Waiting” with “Lab”.", f"read: {shared} “Read one” with “Lab”."]

    # when she uploads a graph herself, in another tab
    create_graph(alice, name="Mine", group_id=lab.pk)

    # then it comes into her list, but not into her bell
    page.locator("#notification-list > li").filter(has_text="You uploaded graph “Mine”").wait_for(timeout=WAIT_MS)
    assert not any("Mine" in text for text in bell_texts(page))

    # when bob shares one more
    create_graph(bob, name="New", group_id=lab.pk)

    # then it is on top of her bell, unread, above the one still waiting and the read one
    count_is(page, 2)
    page.wait_for_function("document.querySelector('#bell-list > li').textContent.includes('“New”')",
                           timeout=WAIT_MS)
    assert bell_texts(page) == [f"unread: {shared} “New” with “Lab”.", f"unread: {shared} “Waiting” with “Lab”.",
                                f"read: {shared} “Read one” with “Lab”."]

    # when she asks the dropdown for her own actions (a plain form: the page comes back)
    page.locator("#notifications-link").click()
    with page.expect_navigation(timeout=WAIT_MS):
        page.get_by_role("button", name="Show my own actions").click()
    page.wait_for_function("document.getElementById('notifications-link').getAttribute('role') === 'button'",
                           timeout=WAIT_MS)
    assert page.get_attribute("#bell-list", "data-own-actions") == "shown"

    # then they are in it, read, below the unread ones, newest first
    assert [text.split(":")[0] for text in bell_texts(page)] == ["unread", "unread", "read", "read", "read"]
    assert "“Mine”" in bell_texts(page)[2] and "group “Lab”" in bell_texts(page)[4]

    # and one more of hers, arriving live, joins the read ones at their top, not the top of the bell
    create_graph(alice, name="Mine again", group_id=lab.pk)
    page.locator("#notification-list > li").filter(has_text="“Mine again”").wait_for(timeout=WAIT_MS)
    texts = bell_texts(page)
    assert texts[0].startswith("unread: ") and "“New”" in texts[0] and "“Waiting”" in texts[1]
    assert texts[2] == "read: You uploaded graph “Mine again”." and "“Mine”" in texts[3]
    page.locator("#notifications-link").click()
    shot(page, "bell-order")
    page.context.close()
