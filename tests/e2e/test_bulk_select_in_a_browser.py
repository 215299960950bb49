"""Bulk select on the notifications page in a real browser: click, Shift+click and x tick rows, one press marks
them read in place, and another open tab's count follows through the stream.

Beacon's own processes, as tests/e2e/test_inbox_in_a_browser.py runs them (tests/support/inbox.py).
"""

import pytest

from tests.support.inbox import WAIT_MS, make_lab, open_as, stored
from web.graphs.actions import create_graph
from web.notifications.models import Notification

pytestmark = [pytest.mark.stack, pytest.mark.usefixtures("live_db")]


def count_is(page, n: int) -> None:
    page.wait_for_function(f"document.getElementById('unread-count').textContent === '{n}'", timeout=WAIT_MS)


def test_ticked_with_click_shift_click_and_x_then_marked_read_in_place_and_in_the_other_tab(beacon, chromium,
                                                                                          make_user):
    # given alice with five unread from bob, one row each, her list open and another tab on her groups
    alice, bob, lab = make_lab(make_user)
    for name in ("One", "Two", "Three", "Four", "Five"):
        create_graph(bob, name=name, group_id=lab.pk)
    stored(alice, 6)
    page = open_as(chromium, beacon, alice, "/notifications/")
    other = open_as(chromium, beacon, alice, "/groups/")
    count_is(page, 5)
    count_is(other, 5)
    page.wait_for_function("document.querySelectorAll('#notification-list > li').length === 6", timeout=WAIT_MS)
    page.evaluate("window.notReloaded = true")
    rows = page.locator("#notification-list > li")
    box = lambda i: rows.nth(i).locator(":scope > input.select")  # noqa: E731

    # when she clicks the first row's checkbox, Shift+clicks the third's, and presses x on the fifth row
    box(0).click()
    box(2).click(modifiers=["Shift"])
    rows.nth(4).focus()
    page.keyboard.press("x")

    # then four rows are ticked, "Select all" says some are, and each checkbox is named by its row
    assert [box(i).is_checked() for i in range(6)] == [True, True, True, False, True, False]
    assert page.evaluate("document.getElementById('select-all').indeterminate")
    text = rows.nth(0).locator(":scope > .open .text").inner_text()
    assert page.get_by_role("checkbox", name=f"Select: {text}").is_checked()

    # when she presses "Mark selected read"
    page.get_by_role("button", name="Mark selected read").click()

    # then those four are read in place, the fourth is not, and both tabs count one, without a reload
    count_is(page, 1)
    count_is(other, 1)
    page.wait_for_function("document.querySelectorAll('#notification-list > li.unread').length === 1",
                           timeout=WAIT_MS)
    assert "unread" in rows.nth(3).get_attribute("class")
    assert page.evaluate("window.notReloaded") is True
    assert page.locator("#bulk-status").inner_text() == "Marked 4 notifications read."
    assert not any(box(i).is_checked() for i in range(6))
    fourth = int(rows.nth(3).get_attribute("data-id"))
    assert set(Notification.objects.filter(user=alice, read_at__isnull=True).values_list("pk", flat=True)) == {fourth}

    # when she ticks "Select all on this page" and marks them unread
    page.get_by_role("checkbox", name="Select all on this page").check()
    assert all(box(i).is_checked() for i in range(6))
    page.get_by_role("button", name="Mark selected unread").click()

    # then all six are unread, here and in the other tab
    count_is(page, 6)
    count_is(other, 6)
