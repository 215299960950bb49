"""Snooze from the page without script: out of the inbox until a moment in the user's zone, back unread at it.

The moment coming is wake_due (beat's task, tests/e2e/test_snooze_in_a_browser.py runs it as beat does),
called here with the moment it is asked to think it is.
"""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from tests.support.events import graph_event
from tests.web.conftest import page_text
from web.accounts.actions import update_preferences
from web.notifications.actions import mark_done, mark_unread, save, wake_due
from web.notifications.delivery import deliver
from web.notifications.models import Notification, StreamEvent

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


def notify(user, name: str, *, graph_id: int) -> Notification:
    [delivered] = deliver(graph_event(user, name, to=[user], graph_id=graph_id))
    return Notification.objects.get(pk=delivered.notification_id)


def listed(html: str) -> list[int]:
    the_list = html.split('id="notification-list"', 1)[1]
    return [int(i) for i in re.findall(r'<li class="notification[^"]*" data-id="(\d+)"', the_list)]


def count(html: str) -> int:
    return int(re.search(r'id="unread-count" data-count="(\d+)"', html)[1])


def last_event(user) -> StreamEvent:
    return StreamEvent.objects.filter(user=user).order_by("-seq").first()


def in_paris(hours: float) -> str:
    """A wall time in Paris this many hours from now, as a datetime-local field gives it."""
    return (timezone.now() + timedelta(hours=hours)).astimezone(PARIS).strftime("%Y-%m-%dT%H:%M")


def test_snoozed_leaves_the_inbox_read_and_waits_in_the_snoozed_view_at_the_users_time(make_user, browser_for):
    # given alice with two unread notifications, her inbox open
    alice = make_user("alice")
    first, second = notify(alice, "Kinase map", graph_id=1), notify(alice, "Yeast PPI", graph_id=2)
    browser = browser_for(alice)
    assert count(page_text(browser.get("/notifications/"))) == 2

    # when she snoozes the first until a date and time, her browser saying she is in Paris
    at = in_paris(30)
    response = browser.post(f"/notifications/{first.pk}/snooze/",
                            {"until": "hour", "at": at, "zone": "Europe/Paris", "next": "/notifications/"})

    # then (the date and time she typed counting, not the list's first choice) it waits until then, read
    assert response.status_code == 302 and response["Location"] == "/notifications/"
    stored = Notification.objects.get(pk=first.pk)
    assert stored.snoozed_until.astimezone(PARIS).strftime("%Y-%m-%dT%H:%M") == at
    assert stored.read_at is not None and stored.done_at is None
    html = page_text(browser.get("/notifications/"))
    assert listed(html) == [second.pk] and count(html) == 1
    wall = datetime.fromisoformat(at)
    assert f"Snoozed 1 notification until {wall:%a} {wall.day} {wall:%b}, {wall:%H:%M} (Europe/Paris)." in html
    assert 'id="wake-snoozed"' in html and "Undo snooze" in html
    # and the bell and the unread filter leave it out; the Snoozed view lists it, with Wake now
    assert f'data-id="{first.pk}"' not in html.split('id="notification-list"', 1)[0].split('id="bell-list"', 1)[1]
    assert listed(page_text(browser.get("/notifications/?state=unread"))) == [second.pk]
    snoozed = page_text(browser.get("/notifications/?state=snoozed"))
    assert listed(snoozed) == [first.pk]
    assert "Wake now" in snoozed and 'aria-current="page">Snoozed' in snoozed
    # and the stream told her other tabs, with the count after
    event = last_event(alice)
    assert event.type == "notifications.snoozed" and event.payload["ids"] == [first.pk]
    assert event.payload["unread"] == 1


def test_the_snoozed_view_shows_the_moment_in_her_saved_zone(make_user, browser_for):
    alice = make_user("alice")
    update_preferences(alice, time_zone="Asia/Tokyo")
    first = notify(alice, "Kinase map", graph_id=1)
    browser = browser_for(alice)
    # (no zone from a browser: her saved one counts)
    browser.post(f"/notifications/{first.pk}/snooze/", {"until": "morning", "next": "/notifications/"})
    until = Notification.objects.get(pk=first.pk).snoozed_until.astimezone(ZoneInfo("Asia/Tokyo"))
    assert (until.hour, until.minute) == (8, 0)
    snoozed = page_text(browser.get("/notifications/?state=snoozed"))
    assert (f'Snoozed until <time datetime="{until.isoformat()}">{until:%a} {until.day} {until:%b}, 08:00 (Asia/Tokyo)'
            "</time>") in snoozed


def test_it_comes_back_unread_at_its_moment_and_the_stream_names_its_group(make_user, browser_for):
    alice = make_user("alice")
    first, second = notify(alice, "Kinase map", graph_id=1), notify(alice, "Yeast PPI", graph_id=2)
    browser = browser_for(alice)
    browser.post(f"/notifications/{first.pk}/snooze/", {"at": in_paris(2), "zone": "Europe/Paris"})
    browser.get("/notifications/")  # (the page that offered its Undo)

    # when its moment has not come, nothing wakes; when it has, it does, once
    assert wake_due(timezone.now() + timedelta(hours=1)) == 0
    assert wake_due(timezone.now() + timedelta(hours=3)) == 1
    assert wake_due(timezone.now() + timedelta(hours=3)) == 0

    # then it is back in the inbox, unread, counted, in its place by time
    stored = Notification.objects.get(pk=first.pk)
    assert stored.read_at is None and stored.snoozed_until is None
    html = page_text(browser.get("/notifications/"))
    assert listed(html) == [second.pk, first.pk] and count(html) == 2
    assert listed(page_text(browser.get("/notifications/?state=snoozed"))) == []
    event = last_event(alice)
    assert event.type == "notifications.woken" and event.payload["unread"] == 2
    assert event.payload["ids"] == [first.pk]
    assert event.payload["groups"] == [{"group_key": first.grouping_key, "kind": "watching"}]


def test_wake_now_and_undo_snooze_bring_it_back_unread_at_once(make_user, browser_for):
    alice = make_user("alice")
    first = notify(alice, "Kinase map", graph_id=1)
    browser = browser_for(alice)
    browser.post(f"/notifications/{first.pk}/snooze/", {"until": "week", "zone": "Europe/Paris"})
    html = page_text(browser.get("/notifications/"))
    undo = re.search(r'<form[^>]*id="wake-snoozed".*?</form>', html, re.S)[0]
    assert re.findall(r'name="id" value="(\d+)"', undo) == [str(first.pk)]

    response = browser.post("/notifications/wake/", {"id": [str(first.pk)], "next": "/notifications/?state=snoozed"})

    assert response.status_code == 302 and response["Location"] == "/notifications/?state=snoozed"
    html = page_text(browser.get("/notifications/"))
    assert listed(html) == [first.pk] and count(html) == 1
    assert "Woke 1 notification: back in the inbox, unread." in html


def test_a_group_snoozes_whole_and_comes_back_whole(make_user, browser_for):
    # given bob's three edits of one graph, one row in alice's inbox
    alice, bob = make_user("alice"), make_user("bob")
    for _ in range(3):
        deliver(graph_event(bob, "Kinase map", to=[alice], graph_id=7, verb="updated"))
    key = Notification.objects.filter(user=alice).select_related("notice").first().notice.group_key
    browser = browser_for(alice)
    response = browser.post("/notifications/snooze/", {"group": key, "until": "morning", "zone": "America/New_York"})
    assert response.status_code == 302
    assert Notification.objects.filter(user=alice, snoozed_until__isnull=False).count() == 3
    assert count(page_text(browser.get("/notifications/"))) == 0
    assert wake_due(timezone.now() + timedelta(days=2)) == 3
    assert count(page_text(browser.get("/notifications/"))) == 3
    assert last_event(alice).payload["groups"] == [{"group_key": key, "kind": "watching"}]


@pytest.mark.parametrize(("form", "words"), [
    ({"at": "2020-01-01T08:00", "zone": "Europe/Paris"}, "That time has passed"),
    ({"until": "hour", "zone": "Mars/Olympus_Mons"}, "not a time zone Beacon knows"),
    ({"at": "2027-03-28T02:30", "zone": "Europe/Paris"}, "02:30 does not happen on 2027-03-28"),
    ({"at": "next tuesday", "zone": "Europe/Paris"}, "YYYY-MM-DDTHH:MM"),
    ({"until": "someday"}, "Choose when the snooze ends"),
    ({}, "Choose when the snooze ends"),
])
def test_a_snooze_that_cannot_be_is_a_400_that_says_why_and_changes_nothing(make_user, browser_for, form, words):
    alice = make_user("alice")
    first = notify(alice, "Kinase map", graph_id=1)
    seq = last_event(alice).seq
    response = browser_for(alice).post(f"/notifications/{first.pk}/snooze/", form)
    assert response.status_code == 400
    assert words in page_text(response)
    stored = Notification.objects.get(pk=first.pk)
    assert (stored.snoozed_until, stored.read_at) == (None, None)
    assert last_event(alice).seq == seq  # no event


def test_someone_elses_notification_is_a_404_and_stays_as_it_was(make_user, browser_for):
    alice, bob = make_user("alice"), make_user("bob")
    bobs = notify(bob, "Kinase map", graph_id=1)
    browser = browser_for(alice)
    assert browser.post(f"/notifications/{bobs.pk}/snooze/", {"until": "hour"}).status_code == 404
    assert browser.post("/notifications/wake/", {"id": [str(bobs.pk)]}).status_code == 302
    save(bob, bobs.pk)
    stored = Notification.objects.get(pk=bobs.pk)
    assert (stored.snoozed_until, stored.read_at) == (None, None)
    # waking it from alice's account did nothing either: snooze it as bob, and alice's wake leaves it
    browser_for(bob).post(f"/notifications/{bobs.pk}/snooze/", {"until": "hour"})
    browser.post("/notifications/wake/", {"id": [str(bobs.pk)]})
    assert Notification.objects.get(pk=bobs.pk).snoozed_until is not None


def test_a_snooze_is_a_post(make_user, browser_for):
    alice = make_user("alice")
    first = notify(alice, "Kinase map", graph_id=1)
    assert browser_for(alice).get(f"/notifications/{first.pk}/snooze/").status_code == 405


def test_marking_unread_wakes_it_and_done_ends_the_snooze(make_user, browser_for):
    alice = make_user("alice")
    first, second = notify(alice, "Kinase map", graph_id=1), notify(alice, "Yeast PPI", graph_id=2)
    browser = browser_for(alice)
    for n in (first, second):
        browser.post(f"/notifications/{n.pk}/snooze/", {"until": "week"})
    mark_unread(alice, first.pk)
    mark_done(alice, second.pk)
    woke, done = Notification.objects.get(pk=first.pk), Notification.objects.get(pk=second.pk)
    assert (woke.read_at, woke.snoozed_until) == (None, None)
    assert done.done_at is not None and done.snoozed_until is None
    assert wake_due(timezone.now() + timedelta(days=9)) == 0  # neither comes back again
    assert listed(page_text(browser.get("/notifications/?state=done"))) == [second.pk]
