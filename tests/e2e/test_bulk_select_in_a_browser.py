"""Bulk select on the notifications page in a real browser: click, Shift+click and x tick rows, one press marks
them read (or done, saved, their groups muted) in place, and another open tab follows through the stream.

Beacon's own processes, as tests/e2e/test_inbox_in_a_browser.py runs them (tests/support/inbox.py).
"""

import pytest

from tests.support.inbox import WAIT_MS, make_lab, open_as, stored
from web.accounts.models import MutedGroup
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
    assert page.locator("#messages").inner_text() == "Marked 4 notifications read."
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


def test_ticked_rows_done_and_undone_saved_and_their_group_muted_in_place_and_the_other_tab_follows(beacon, chromium,
                                                                                                    make_user):
    # given alice with four unread from bob in their group Lab, her list open in two tabs
    alice, bob, lab = make_lab(make_user)
    for name in ("One", "Two", "Three", "Four"):
        create_graph(bob, name=name, group_id=lab.pk)
    stored(alice, 5)
    page = open_as(chromium, beacon, alice, "/notifications/")
    other = open_as(chromium, beacon, alice, "/notifications/")
    count_is(page, 4)
    page.wait_for_function("document.querySelectorAll('#notification-list > li').length === 5", timeout=WAIT_MS)
    page.evaluate("window.notReloaded = true")
    ids = [int(i) for i in page.locator("#notification-list > li").evaluate_all(
        "rows => rows.map(row => row.getAttribute('data-id'))")]
    row = lambda p, i: p.locator(f'#notification-list > li[data-id="{i}"]')  # noqa: E731
    messages = page.locator("#messages")

    # when she ticks the first two rows and presses "Mark selected done"
    row(page, ids[0]).locator(":scope > input.select").check()
    row(page, ids[1]).locator(":scope > input.select").check()
    page.get_by_role("button", name="Mark selected done").click()

    # then both leave the list here and in the other tab, both count two, and the page offers Undo, focused
    count_is(page, 2)
    count_is(other, 2)
    for tab in (page, other):
        tab.wait_for_function(f"!document.querySelector('#notification-list > li[data-id=\"{ids[0]}\"]') && "
                              f"!document.querySelector('#notification-list > li[data-id=\"{ids[1]}\"]')",
                              timeout=WAIT_MS)
    assert messages.inner_text().startswith("Marked 2 notifications done.")
    undo = page.get_by_role("button", name="Undo done")
    assert undo.evaluate("button => button === document.activeElement")

    # when she presses Undo (by keyboard): both are back in the list, still read, and the page says so
    page.keyboard.press("Enter")
    page.wait_for_function("document.getElementById('messages').textContent === "
                           "'Moved 2 notifications back to the inbox.'", timeout=WAIT_MS)
    page.wait_for_function("document.querySelectorAll('#notification-list > li').length === 5", timeout=WAIT_MS)
    assert "unread" not in row(page, ids[0]).get_attribute("class")
    assert Notification.objects.filter(user=alice, done_at__isnull=False).count() == 0

    # when she ticks the third row and presses "Save selected"
    row(page, ids[2]).locator(":scope > input.select").check()
    page.get_by_role("button", name="Save selected", exact=True).click()

    # then its star is pressed here and in the other tab, the fourth's not
    for tab in (page, other):
        tab.wait_for_function(f"document.querySelector('#notification-list > li[data-id=\"{ids[2]}\"] > form.star "
                              "button').getAttribute('aria-pressed') === 'true'", timeout=WAIT_MS)
    assert row(other, ids[3]).locator(":scope > form.star button").get_attribute("aria-pressed") == "false"
    assert messages.inner_text() == "Saved 1 notification."

    # when she ticks the fourth row and presses "Mute their groups"
    row(page, ids[3]).locator(":scope > input.select").check()
    page.get_by_role("button", name="Mute their groups").click()

    # then Lab is muted, its "Mute this group" ways out are gone from the page, and the notifications stay
    page.wait_for_function("document.getElementById('messages').textContent.indexOf('Muted 1 group') === 0",
                           timeout=WAIT_MS)
    assert list(MutedGroup.objects.filter(user=alice).values_list("group_id", flat=True)) == [lab.pk]
    assert page.locator(f'form.way-out[action="/groups/{lab.pk}/mute/"]:visible').count() == 0
    assert page.locator("#notification-list > li").count() == 5

    # when she presses its Undo: Lab is heard again, and its ways out are back
    page.get_by_role("button", name="Undo mute").click()
    page.wait_for_function("document.getElementById('messages').textContent === 'Unmuted 1 group.'", timeout=WAIT_MS)
    assert not MutedGroup.objects.filter(user=alice).exists()
    assert page.locator(f'form.way-out[action="/groups/{lab.pk}/mute/"]:visible').count() > 0
    assert page.evaluate("window.notReloaded") is True
