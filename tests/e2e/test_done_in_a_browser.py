"""Done and Saved in a real browser: in place with an Undo, by key, and followed by the user's other tabs.

Needs Debian's Chromium (``apt-get install chromium``); skipped, saying so, without it.
"""

from pathlib import Path

import pytest

from tests.support.inbox import WAIT_MS, make_lab, open_as, stored
from web.graphs.actions import create_graph, update_graph
from web.notifications.actions import mark_done, save
from web.notifications.models import Notification

pytestmark = [pytest.mark.stack, pytest.mark.usefixtures("live_db")]

SHOTS = Path(__file__).resolve().parents[2] / "var" / "test-screenshots"


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"done-{name}.png", full_page=True)


def test_done_in_one_tab_takes_the_row_out_of_another(beacon, chromium, make_user):
    # given bob with one unread notification ("alice added you"), his inbox open in two tabs
    _, bob, _ = make_lab(make_user)
    first = open_as(chromium, beacon, bob, "/notifications/")
    second = open_as(chromium, beacon, bob, "/notifications/")
    for page in (first, second):
        page.wait_for_function("document.getElementById('unread-count').textContent === '1'", timeout=WAIT_MS)
    assert second.locator("#notification-list .notification[data-id]").count() == 1

    # when he presses Done in the first
    first.locator("#notification-list form.mark-done button").click()

    # then the first shows its Undo, and the second loses the row and its count without a reload
    first.locator("#undo-done").wait_for(timeout=WAIT_MS)
    second.wait_for_function("document.querySelectorAll('#notification-list .notification').length === 0",
                             timeout=WAIT_MS)
    second.wait_for_function("document.getElementById('unread-count').textContent === '0'", timeout=WAIT_MS)
    assert second.locator("#notification-empty").is_visible()

    # and Undo in the first brings it back there, read
    first.locator("#undo-done button").click()
    first.locator("#notification-list .notification[data-id]").wait_for(timeout=WAIT_MS)
    assert first.locator("#notification-list .notification.unread").count() == 0


def texts(page) -> list[str]:
    """The list's rows as a user reads them (each row's own words, not its checkbox's or buttons')."""
    return page.locator("#notification-list > li.notification > form.open button").all_inner_texts()


def focused_row_text(page) -> str:
    return page.evaluate("(document.activeElement.closest('#notification-list > li') || document.body)"
                         ".querySelector('form.open button')?.textContent || ''")


def count_is(page, n: int) -> None:
    page.wait_for_function(f"document.getElementById('unread-count').textContent === '{n}'", timeout=WAIT_MS)


def three_graphs(make_user):
    """alice with three unread notifications, one per graph bob uploaded into their group, all stored."""
    alice, bob, lab = make_lab(make_user)
    for n, name in enumerate(("One", "Two", "Three"), start=2):  # after her own "You created group Lab", read
        create_graph(bob, name=name, group_id=lab.pk)
        # each stored before the next: the list's order (delivery's) is then the order of their moments, by
        # which a row that comes back is put in its place
        stored(alice, n)
    return alice, bob, lab


def test_done_by_key_and_button_acts_in_place_and_undo_brings_it_back(beacon, chromium, make_user):
    # given alice's inbox with three unread rows from bob (and her own, read), open with its script
    alice, _, _ = three_graphs(make_user)
    page = open_as(chromium, beacon, alice, "/notifications/")
    count_is(page, 3)
    page.evaluate("window.sameLoad = true")  # gone if the page reloads
    order = texts(page)
    assert len(order) == 4

    # when she moves to the first row and presses y
    page.keyboard.press("j")
    page.keyboard.press("y")

    # then the row leaves the list and the bell, the page says so with an Undo, the count drops,
    # and she is on the next row, without a reload
    messages = page.locator("#messages")
    messages.get_by_text("Marked done.").wait_for(timeout=WAIT_MS)
    undo = messages.get_by_role("button", name="Undo")
    assert undo.is_visible()
    assert texts(page) == order[1:]
    count_is(page, 2)
    assert page.locator("#bell-list").get_by_text(order[0]).count() == 0
    assert focused_row_text(page) == order[1]
    assert page.evaluate("window.sameLoad") is True
    shot(page, "marked-done")

    # when she presses z, the row is back in its place, read, the one she is on, and the page says so
    page.keyboard.press("z")
    messages.get_by_text("Moved back to the inbox.").wait_for(timeout=WAIT_MS)
    assert texts(page) == order
    assert focused_row_text(page) == order[0]
    assert "unread" not in (page.locator("#notification-list > li").first.get_attribute("class") or "")
    count_is(page, 2)

    # when she presses the second row's Done button, then the Undo by keyboard
    page.locator("#notification-list > li").nth(1).locator(":scope > form.mark-done button").click()
    messages.get_by_text("Marked done.").wait_for(timeout=WAIT_MS)
    assert texts(page) == [order[0], *order[2:]]
    count_is(page, 1)
    undo.focus()
    page.keyboard.press("Enter")

    # then it is back, and so is the stored state
    messages.get_by_text("Moved back to the inbox.").wait_for(timeout=WAIT_MS)
    assert texts(page) == order
    assert page.evaluate("window.sameLoad") is True
    assert Notification.objects.filter(user=alice, done_at__isnull=False).count() == 0
    page.context.close()


def test_undone_and_stars_follow_in_her_other_tabs(beacon, chromium, make_user):
    # given alice's inbox open in two tabs, and her Saved view in a third with one row saved
    alice, _, _ = three_graphs(make_user)
    first = open_as(chromium, beacon, alice, "/notifications/")
    second = open_as(chromium, beacon, alice, "/notifications/")
    count_is(second, 3)
    order = texts(second)
    middle = first.locator("#notification-list > li").nth(1)
    middle.locator(":scope > form.star button").click()
    first.locator("#notification-list > li:nth-child(2) > form.star.saved").wait_for(timeout=WAIT_MS)
    saved = open_as(chromium, beacon, alice, "/notifications/?state=saved")
    assert texts(saved) == [order[1]]

    # when she marks the middle one done in the first tab
    middle.locator(":scope > form.mark-done button").click()

    # then it leaves the second tab's list and bell (the Saved view keeps it: saved and done)
    second.wait_for_function("document.querySelectorAll('#notification-list > li.notification').length === 3",
                             timeout=WAIT_MS)
    assert texts(second) == [order[0], *order[2:]]
    count_is(second, 2)

    # when she undoes it in the first tab
    first.locator("#messages").get_by_role("button", name="Undo").click()

    # then the second tab has it back in its place, and in the bell
    second.wait_for_function("document.querySelectorAll('#notification-list > li.notification').length === 4",
                             timeout=WAIT_MS)
    assert texts(second) == order
    assert second.locator("#bell-list > li form.open button").filter(has_text=order[1]).count() == 1
    count_is(second, 2)
    star = second.locator("#notification-list > li").nth(1).locator(":scope > form.star button")
    assert star.get_attribute("aria-pressed") == "true"

    # when she unstars it in the first tab, the second's star follows and the Saved view lets it go
    first.locator("#notification-list > li").nth(1).locator(":scope > form.star button").click()
    second.wait_for_function(
        "document.querySelector('#notification-list > li:nth-child(2) > form.star button')"
        ".getAttribute('aria-pressed') === 'false'", timeout=WAIT_MS)
    assert star.inner_text().startswith("☆ Save")
    saved.locator("#notification-empty").wait_for(timeout=WAIT_MS)
    assert texts(saved) == []

    # and when she stars another with s in the second tab, the first's star follows
    second.locator("#notification-list > li").first.focus()
    second.keyboard.press("s")
    first.wait_for_function(
        "document.querySelector('#notification-list > li:first-child > form.star button')"
        ".getAttribute('aria-pressed') === 'true'", timeout=WAIT_MS)
    assert Notification.objects.filter(user=alice, saved=True).count() == 1
    shot(second, "stars-followed")
    for page in (first, second, saved):
        page.context.close()


def test_a_groups_star_and_done_act_on_all_of_it(beacon, chromium, make_user):
    # given alice with one row of three notifications about bob's graph (its upload and two changes)
    alice, bob, lab = make_lab(make_user)
    graph = create_graph(bob, name="Yeast PPI", group_id=lab.pk)
    for n in range(2):
        update_graph(bob, graph.pk, description=f"take {n}")
    stored(alice, 4)
    first = open_as(chromium, beacon, alice, "/notifications/")
    second = open_as(chromium, beacon, alice, "/notifications/")
    row = first.locator('#notification-list > li[data-count="3"]')
    row.wait_for(timeout=WAIT_MS)

    # its star says what it does, to how many, and that it is not pressed
    star = row.locator(":scope > form.group-star button")
    assert star.get_attribute("aria-pressed") == "false"
    assert first.get_by_role("button", name="Save all 3 in this group").count() == 1

    # when she presses it
    star.click()

    # then it is pressed, so is each of the group's own stars, here and in her other tab, and all three are saved
    first.wait_for_function("document.querySelector('form.group-star button').getAttribute('aria-pressed') === 'true'",
                            timeout=WAIT_MS)
    row.locator("details.group-items > summary").click()
    items = row.locator("details.group-items form.star button")
    assert [s.get_attribute("aria-pressed") for s in items.all()] == ["true"] * 3
    shot(first, "group-saved")
    second.wait_for_function("document.querySelector('form.group-star button').getAttribute('aria-pressed') === 'true'",
                             timeout=WAIT_MS)
    assert Notification.objects.filter(user=alice, saved=True).count() == 3

    # when she unsaves one of them, the group's star is no longer pressed
    items.first.click()
    first.wait_for_function("document.querySelector('form.group-star button').getAttribute('aria-pressed') === 'false'",
                            timeout=WAIT_MS)

    # when she marks the group done
    row.locator(":scope > form.mark-done button").click()

    # then the row leaves both tabs, the page says how many, and the count drops by its three
    first.locator("#messages").get_by_text("Marked 3 done.").wait_for(timeout=WAIT_MS)
    assert first.locator('#notification-list > li[data-count="3"]').count() == 0
    count_is(first, 0)
    second.wait_for_function("!document.querySelector('#notification-list > li[data-count=\"3\"]')", timeout=WAIT_MS)
    count_is(second, 0)
    for page in (first, second):
        page.context.close()


def test_move_to_inbox_from_the_done_view_acts_in_place(beacon, chromium, make_user):
    # given alice with one notification done, her Done view open
    alice, _, _ = three_graphs(make_user)
    done = Notification.objects.filter(user=alice, read_at__isnull=True).first()
    mark_done(alice, done.pk)
    page = open_as(chromium, beacon, alice, "/notifications/?state=done")
    page.evaluate("window.sameLoad = true")
    assert len(texts(page)) == 1

    # when she presses its Move to inbox
    page.locator("#notification-list form.move-to-inbox button").click()

    # then it leaves the Done view in place, the page says so, and it is in her inbox again
    page.locator("#messages").get_by_text("Moved to the inbox.").wait_for(timeout=WAIT_MS)
    assert texts(page) == []
    assert page.evaluate("window.sameLoad") is True
    assert Notification.objects.get(pk=done.pk).done_at is None
    page.context.close()


def test_in_the_saved_view_done_and_move_to_inbox_act_in_place_and_the_row_stays(beacon, chromium, make_user):
    # given alice with one notification saved, her Saved view open
    alice, _, _ = three_graphs(make_user)
    kept = Notification.objects.filter(user=alice, read_at__isnull=True).first()
    save(alice, kept.pk)
    page = open_as(chromium, beacon, alice, "/notifications/?state=saved")
    page.evaluate("window.sameLoad = true")
    row = page.locator("#notification-list > li.notification")
    assert row.count() == 1

    # when she marks it done by key
    page.keyboard.press("j")
    page.keyboard.press("y")

    # then it stays in the Saved view (saved and done), now offering Move to inbox, she is still on it, and
    # the page says so with an Undo, without a reload
    page.locator("#messages").get_by_text("Marked done.").wait_for(timeout=WAIT_MS)
    row.locator(":scope > form.move-to-inbox").wait_for(timeout=WAIT_MS)
    assert row.count() == 1 and row.locator(":scope > form.mark-done").count() == 0
    page.wait_for_function("document.activeElement.matches('#notification-list > li.notification')", timeout=WAIT_MS)
    assert page.evaluate("window.sameLoad") is True
    assert Notification.objects.get(pk=kept.pk).done_at is not None

    # when she moves it to the inbox, the row offers Done again, still saved
    row.locator(":scope > form.move-to-inbox button").click()
    page.locator("#messages").get_by_text("Moved to the inbox.").wait_for(timeout=WAIT_MS)
    row.locator(":scope > form.mark-done").wait_for(timeout=WAIT_MS)
    assert row.locator(":scope > form.star button").get_attribute("aria-pressed") == "true"
    assert page.evaluate("window.sameLoad") is True
    assert Notification.objects.get(pk=kept.pk).done_at is None
    page.context.close()
