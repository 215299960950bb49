"""Snooze in a real browser: snoozed in one tab, gone from every tab; back, unread, at its moment, with beat running
as it runs in production and nothing else happening; woken early from the Snoozed view; a bad time refused in place.

Needs Debian's Chromium (``apt-get install chromium``); skipped, saying so, without it.
"""

from datetime import timedelta

import pytest

from tests.support.inbox import WAIT_MS, make_lab, open_as
from tests.support.stack import ProcfileStack

pytestmark = [pytest.mark.stack, pytest.mark.usefixtures("live_db")]

ROWS = "#notification-list .notification[data-id]"


@pytest.fixture
def beat(beacon, tmp_path):
    """Celery beat beside the stack, checking for due snoozes every second (5 in production)."""
    env = {**beacon.processes.env, "SNOOZE_WAKE_CHECK_SECONDS": "1",
           "CELERY_BEAT_SCHEDULE_FILE": str(tmp_path / "celerybeat-schedule")}
    processes = ProcfileStack(["beat"], env, tmp_path / "logs")
    processes.start()
    try:
        processes.wait_for_log("beat", "beat: Starting...")
        yield processes
    finally:
        processes.stop()


def count_is(page, n: int) -> None:
    page.wait_for_function(f"document.getElementById('unread-count').textContent === '{n}'", timeout=WAIT_MS)


def test_a_snoozed_notification_leaves_every_tab_and_comes_back_unread_at_its_moment(beacon, beat, chromium,
                                                                                     make_user):
    from django.utils import timezone

    from web.notifications.actions import snooze

    # given bob with one unread notification, his inbox open in one tab and another page in a second
    _, bob, _ = make_lab(make_user)
    inbox = open_as(chromium, beacon, bob, "/notifications/")
    other = open_as(chromium, beacon, bob, "/graphs/")
    for page in (inbox, other):
        count_is(page, 1)
    row_id = inbox.locator(ROWS).first.get_attribute("data-id")

    # when he snoozes it until this evening... in an hour, from the row's Snooze menu
    inbox.locator("#notification-list details.snooze summary").first.click()
    inbox.locator("#notification-list .snooze-form select[name=until]").first.select_option("hour")
    inbox.locator("#notification-list .snooze-form button[type=submit]").first.click()

    # then it leaves the list at once, says until when, with an Undo, and both tabs count 0
    inbox.wait_for_function(f"!document.querySelector('{ROWS}')", timeout=WAIT_MS)
    message = inbox.locator("#messages")
    message.get_by_role("button", name="Undo snooze").wait_for(timeout=WAIT_MS)
    assert "Snoozed until" in message.inner_text()
    for page in (inbox, other):
        count_is(page, 0)
    other.locator("#notifications-link").click()
    assert other.locator(f'#bell-list [data-id="{row_id}"]').count() == 0
    other.locator("#notifications-link").click()

    # and when its moment comes (moved to two seconds from now, as snoozing again would move it), with nothing
    # else happening: beat wakes it, and it is back in the list, unread, and in the other tab's bell, counted
    snooze(bob, timezone.now() + timedelta(seconds=2), notification_id=int(row_id))
    inbox.locator(f'#notification-list .notification.unread[data-id="{row_id}"]').wait_for(timeout=WAIT_MS)
    other.locator(f'#bell-list .notification.unread[data-id="{row_id}"]').wait_for(state="attached", timeout=WAIT_MS)
    for page in (inbox, other):
        count_is(page, 1)
    assert inbox.locator(ROWS).count() == 1


def test_woken_early_from_the_snoozed_view_it_returns_to_the_inbox_in_another_tab(beacon, chromium, make_user):
    from django.utils import timezone

    from web.notifications.actions import snooze

    from zoneinfo import ZoneInfo

    # given bob, in Tokyo by his browser and with no zone saved, with a notification snoozed until tomorrow
    _, bob, _ = make_lab(make_user)
    snoozed = open_as(chromium, beacon, bob, "/notifications/", timezone_id="Asia/Tokyo")
    row_id = int(snoozed.locator(ROWS).first.get_attribute("data-id"))
    until = (timezone.now() + timedelta(days=1)).astimezone(ZoneInfo("Asia/Tokyo"))
    snooze(bob, until, notification_id=row_id)
    snoozed.goto(beacon.base_url + "/notifications/?state=snoozed")
    inbox = open_as(chromium, beacon, bob, "/notifications/")
    count_is(inbox, 0)
    # the Snoozed view says until when in his browser's zone, not the server's
    assert f"Snoozed until {until:%a} {until.day} {until:%b}, {until:%H:%M} (Asia/Tokyo)" \
        in snoozed.locator(ROWS).first.inner_text()

    # when he wakes it now
    snoozed.locator("#notification-list form.wake-form button").click()

    snoozed.locator("#messages").get_by_text("Woke 1 notification: back in the inbox, unread.").wait_for(timeout=WAIT_MS)
    assert snoozed.locator(ROWS).count() == 0
    inbox.locator(f'#notification-list .notification.unread[data-id="{row_id}"]').wait_for(timeout=WAIT_MS)
    count_is(inbox, 1)


def test_a_time_that_has_passed_is_refused_in_place_and_the_row_stays(beacon, chromium, make_user):
    _, bob, _ = make_lab(make_user)
    inbox = open_as(chromium, beacon, bob, "/notifications/")
    inbox.locator("#notification-list details.snooze summary").first.click()
    inbox.locator("#notification-list .snooze-form input[name=at]").first.fill("2020-01-01T08:00")
    inbox.locator("#notification-list .snooze-form button[type=submit]").first.click()

    alert = inbox.locator("#notification-list .snooze-form [role=alert]")
    alert.wait_for(timeout=WAIT_MS)
    assert "That time has passed" in alert.inner_text()
    assert inbox.locator(ROWS).count() == 1
    count_is(inbox, 1)
