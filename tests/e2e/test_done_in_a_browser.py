"""Done in a real browser: marked done in one tab, the row leaves the inbox and the count follows in another.

Needs Debian's Chromium (``apt-get install chromium``); skipped, saying so, without it.
"""

import pytest

from tests.support.inbox import WAIT_MS, make_lab, open_as

pytestmark = [pytest.mark.stack, pytest.mark.usefixtures("live_db")]


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
