"""Unread counts rebuilt from the notifications: by an operator's command, and by the periodic check."""

import json
import logging
import threading
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from realtime.recent import RecentEvents
from tasks.celery import app
from tasks.repair import check_unread_counts
from tests.support.events import graph_event
from tests.support.waiting import wait_for
from web.notifications import actions, repair
from web.notifications.delivery import deliver
from web.notifications.models import Notification, StreamEvent, UserStream
from web.redis_client import get_redis

pytestmark = pytest.mark.django_db(transaction=True)


def notify(user, *names):
    for name in names:
        deliver(graph_event(user, name))
    return list(Notification.objects.filter(user=user).order_by("pk"))


def run(*args):
    out = StringIO()
    call_command("rebuild_unread", *args, stdout=out)
    return out.getvalue()


def counts(user):
    """(recorded count, cursor) of the user, as a page renders them."""
    return tuple(UserStream.objects.filter(user=user).values_list("unread", "last_seq").get())


def test_a_count_left_wrong_by_a_deleted_row_is_rebuilt_and_her_open_page_told(make_user):
    # given alice with three notifications, one of them read
    alice = make_user("alice")
    first, second, third = notify(alice, "one", "two", "three")
    actions.mark_read(alice, first.pk)
    assert counts(alice) == (2, 4)
    # and an unread one deleted by hand, which nothing counted
    Notification.objects.filter(pk=second.pk).delete()

    # when an operator rebuilds her count
    output = run("--user", alice.username)

    # then they are told what was wrong and what it is now
    assert f"{alice.username} (user {alice.pk}): count was 2, 1 notifications are unread: set to 1" in output
    assert "1 unread count fixed." in output
    # and her count is the one unread notification left, numbered as the next event of her stream
    assert counts(alice) == (1, 5)
    recount = StreamEvent.objects.get(user=alice, seq=5)
    assert (recount.type, recount.payload) == ("notifications.recount", {"unread": 1, "was": 2})
    # and a page of hers polling from before the fix is answered with the new count at once (from Redis)
    answer = RecentEvents(get_redis(), limit=10).read(alice.pk, 4)
    assert (answer.cursor, answer.unread) == (5, 1)
    assert [json.loads(e)["type"] for e in answer.events] == ["notifications.recount"]


def test_a_right_count_is_left_alone(make_user):
    alice = make_user("alice")
    notify(alice, "one")

    assert "Every unread count matches the notifications." in run("--user", alice.username)

    assert counts(alice) == (1, 1)  # no event: nothing to tell her pages


def test_check_only_reports_and_fails_when_a_count_differs(make_user):
    # given alice, whose count says 7 of her 2 notifications are unread
    alice = make_user("alice")
    notify(alice, "one", "two")
    UserStream.objects.filter(user=alice).update(unread=7)

    # when an operator only checks
    with pytest.raises(SystemExit) as exited:
        run("--check", "--user", alice.username)

    # then the command fails, and nothing changed
    assert exited.value.code == 1
    assert counts(alice) == (7, 2)


def test_check_names_the_difference(make_user, capsys):
    # given alice, who read one of her two notifications, and whose count says 7
    alice = make_user("alice")
    first, _ = notify(alice, "one", "two")
    actions.mark_read(alice, first.pk)
    UserStream.objects.filter(user=alice).update(unread=7)

    with pytest.raises(SystemExit):
        call_command("rebuild_unread", "--check", "--all")

    output = capsys.readouterr().out
    assert f"{alice.username} (user {alice.pk}): count was 7, 1 notifications are unread\n" in output
    assert "1 unread count wrong; run without --check to fix." in output


def test_all_sets_right_every_count_that_differs_and_no_other(make_user):
    # given alice's count too high, bob's too low, and carol's right
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    for user in (alice, bob, carol):
        notify(user, "one", "two")
    UserStream.objects.filter(user=alice).update(unread=5)
    UserStream.objects.filter(user=bob).update(unread=0)

    output = run("--all")

    assert f"{alice.username} (user {alice.pk}): count was 5, 2 notifications are unread: set to 2" in output
    assert f"{bob.username} (user {bob.pk}): count was 0, 2 notifications are unread: set to 2" in output
    assert carol.username not in output
    assert (counts(alice), counts(bob), counts(carol)) == ((2, 3), (2, 3), (2, 2))
    # and a second pass finds nothing left to do
    assert "Every unread count matches the notifications." in run("--all")


def test_an_unknown_user_is_named_and_nothing_is_done(make_user):
    alice = make_user("alice")
    notify(alice, "one")
    UserStream.objects.filter(user=alice).update(unread=3)

    with pytest.raises(CommandError, match="no such user: nobody"):
        run("--user", alice.username, "--user", "nobody")

    assert counts(alice) == (3, 1)


def test_finding_the_differences_of_every_user_is_one_query(make_user, django_assert_num_queries):
    # given four users with a notification each: two counts wrong, carol's read (so right at 0)
    users = [make_user(name) for name in ("alice", "bob", "carol", "dana")]
    for user in users:
        notify(user, "one")
    UserStream.objects.filter(user__in=users[:2]).update(unread=0)
    actions.mark_read(users[2], Notification.objects.get(user=users[2]).pk)

    with django_assert_num_queries(1):
        drifts = repair.find_drift()

    assert {d.user_id for d in drifts} == {users[0].pk, users[1].pk}


def test_a_lost_stream_row_is_found_and_rebuilt_numbering_after_its_last_event(make_user):
    # given alice's stream row lost (a partial restore) while her notifications survived
    alice = make_user("alice")
    notify(alice, "one", "two")
    UserStream.objects.filter(user=alice).delete()

    assert [(d.user_id, d.recorded, d.actual) for d in repair.find_drift()] == [(alice.pk, 0, 2)]

    # and rebuilt, her count is right and numbered after her last event, not at 1 again
    run("--user", alice.username)
    assert counts(alice) == (2, 3)


def test_the_periodic_check_repairs_and_warns_naming_the_user_and_both_counts(make_user, caplog):
    # given alice's count wrong and bob's right
    alice, bob = make_user("alice"), make_user("bob")
    notify(alice, "one", "two", "three")
    notify(bob, "one")
    UserStream.objects.filter(user=alice).update(unread=1)

    # when beat's check runs
    with caplog.at_level(logging.WARNING, logger="tasks.repair"):
        assert check_unread_counts.apply().get() == 1

    # then alice's count is right and the operator's log says whose and from what to what
    assert counts(alice)[0] == 3
    assert [r.getMessage() for r in caplog.records if r.name == "tasks.repair"] == [
        f"unread count of user {alice.pk} was 1, 3 notifications are unread: repaired"]
    assert counts(bob) == (1, 1)


def test_beat_runs_the_check_every_ten_minutes_by_default():
    entry = next(e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "tasks.repair.check_unread_counts")
    assert entry["task"] in app.tasks  # a task the worker knows by that name
    assert entry["schedule"] == settings.UNREAD_CHECK_INTERVAL_SECONDS == 600


def test_a_rebuild_during_a_delivery_counts_the_notification_being_delivered(make_user):
    # given alice's count wrong, and a delivery to her in flight: stored and numbered, not yet committed
    alice = make_user("alice")
    notify(alice, "one", "two")
    UserStream.objects.filter(user=alice).update(unread=5)
    in_flight, release = threading.Event(), threading.Event()

    def delivery():
        try:
            with transaction.atomic():
                deliver(graph_event(alice, "three"))
                in_flight.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    def rebuild():
        try:
            repair.rebuild(alice.pk)
        finally:
            connection.close()

    delivering = threading.Thread(target=delivery)
    delivering.start()
    assert in_flight.wait(timeout=30)

    # when her count is rebuilt meanwhile: it waits for her stream, which the delivery holds
    rebuilding = threading.Thread(target=rebuild)
    rebuilding.start()
    wait_for(_someone_waits_for_a_lock, message="the rebuild waiting for alice's stream")
    release.set()
    delivering.join(timeout=30)
    rebuilding.join(timeout=30)

    # then the count includes the notification that was in flight
    assert counts(alice)[0] == Notification.objects.filter(user=alice, read_at__isnull=True).count() == 3


def _someone_waits_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                       "AND wait_event_type = 'Lock'")
        return cursor.fetchone()[0] > 0
