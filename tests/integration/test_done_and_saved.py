"""Done and saved: each change numbered in the stream with the exact count, and the pruning of old done ones."""

import json
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from realtime.db import ConnectionPool, connect_kwargs
from realtime.publish import Channels
from realtime.store import EventStore
from tasks.inbox import prune_done_notifications
from tests.support.events import graph_event
from tests.support.waiting import wait_for
from web.notifications import actions
from web.notifications.delivery import deliver
from web.notifications.models import Notification, StreamEvent, UserStream
from web.notifications.queries import NotificationFilter
from web.redis_client import get_redis

pytestmark = pytest.mark.django_db(transaction=True)


def notify(user, name: str, graph_id: int) -> Notification:
    [delivered] = deliver(graph_event(user, name, to=[user], graph_id=graph_id))
    return Notification.objects.get(pk=delivered.notification_id)


def last_event(user):
    return StreamEvent.objects.filter(user=user).order_by("-seq").first()


def test_done_is_numbered_with_the_count_after_and_undone_keeps_it(make_user):
    # given alice with two unread notifications
    alice = make_user("alice")
    first, second = notify(alice, "Kinase map", 1), notify(alice, "Yeast PPI", 2)

    # when she marks one done, the event names it with her count after
    actions.mark_done(alice, first.pk)
    event = last_event(alice)
    assert (event.type, event.payload["ids"], event.payload["unread"]) == ("notifications.done", [first.pk], 1)
    assert UserStream.objects.get(user=alice).unread == 1

    # done again: nothing new
    actions.mark_done(alice, first.pk)
    assert last_event(alice).seq == event.seq

    # moved back to the inbox: read still, the count unchanged, numbered
    actions.move_to_inbox(alice, first.pk)
    event = last_event(alice)
    assert (event.type, event.payload["id"], event.payload["unread"]) == ("notification.undone", first.pk, 1)

    # marked unread while done: back in the inbox too (a done one is always read)
    actions.mark_done(alice, second.pk)
    actions.mark_unread(alice, second.pk)
    stored = Notification.objects.get(pk=second.pk)
    assert (stored.done_at, stored.read_at) == (None, None)
    assert UserStream.objects.get(user=alice).unread == 1


def test_pruning_deletes_done_ones_past_the_keep_time_only(make_user):
    # given alice's notifications: done long ago, done long ago but saved, done lately, and not done
    alice = make_user("alice")
    old, saved, recent, inbox = (notify(alice, name, n) for n, name in enumerate(("a", "b", "c", "d"), start=1))
    for n in (old, saved, recent):
        actions.mark_done(alice, n.pk)
    actions.save(alice, saved.pk)
    keep = timedelta(days=settings.NOTIFICATIONS_DONE_KEEP_DAYS)
    long_ago = timezone.now() - keep - timedelta(hours=1)
    Notification.objects.filter(pk__in=[old.pk, saved.pk]).update(done_at=long_ago)
    Notification.objects.filter(pk=inbox.pk).update(read_at=long_ago)

    # when beat's task runs
    deleted = prune_done_notifications()

    # then only the old, unsaved done one is gone
    assert deleted == 1
    assert set(Notification.objects.filter(user=alice).values_list("pk", flat=True)) == {saved.pk, recent.pk, inbox.pk}


def test_pruning_is_on_beats_schedule():
    assert settings.CELERY_BEAT_SCHEDULE["prune-done-notifications"]["task"] == "tasks.inbox.prune_done_notifications"
    assert settings.NOTIFICATIONS_DONE_KEEP_DAYS == 150


def test_undo_of_a_group_is_one_event_and_skips_what_is_not_hers(make_user):
    # given alice, who marked two done, and bob's notification
    alice, bob = make_user("alice"), make_user("bob")
    first, second = notify(alice, "Kinase map", 1), notify(alice, "Yeast PPI", 2)
    bobs = notify(bob, "Bob's map", 3)
    actions.mark_done(alice, first.pk)
    actions.mark_done(alice, second.pk)
    actions.mark_done(bob, bobs.pk)

    # when her Undo names both, and bob's id too
    moved = actions.undo_done(alice, [first.pk, second.pk, bobs.pk])

    # then hers are back, in one event with her count, and bob's stays done
    assert moved == 2
    event = last_event(alice)
    assert (event.type, event.payload["ids"], event.payload["unread"]) == (
        "notifications.undone", [first.pk, second.pk], 0)
    assert Notification.objects.filter(user=alice, done_at__isnull=True).count() == 2
    assert Notification.objects.get(pk=bobs.pk).done_at is not None


def test_an_undone_event_names_the_groups_to_fetch_back(make_user):
    # given alice, who marked two notifications about two graphs done
    alice = make_user("alice")
    first, second = notify(alice, "Kinase map", 1), notify(alice, "Yeast PPI", 2)
    actions.mark_done(alice, first.pk)
    actions.mark_done(alice, second.pk)

    # when she moves one back, then undoes the other
    actions.move_to_inbox(alice, first.pk)
    one = last_event(alice)
    actions.undo_done(alice, [second.pk])
    many = last_event(alice)

    # then each event names the group its row is fetched by, and the kind another tab checks it against
    assert (one.payload["group_key"], one.payload["kind"]) == (first.grouping_key, first.kind)
    assert many.payload["groups"] == [{"group_key": second.grouping_key, "kind": second.kind}]


def test_another_tab_hears_a_bulk_done_and_save_each_as_one_event_with_the_exact_count(make_user):
    # given alice with four unread notifications, and another tab of hers listening (her channel, as the
    # realtime process wakes her polls from it)
    alice = make_user("alice")
    ids = [notify(alice, name, n).pk for n, name in enumerate(("a", "b", "c", "d"), start=1)]
    subscriber = get_redis().pubsub()
    subscriber.subscribe(Channels(settings.REALTIME_CHANNEL_PREFIX).of(alice.pk))
    wait_for(lambda: subscriber.get_message(timeout=0.1), message="the subscription confirmed")

    # when she marks three done at once, saves two, and marks done all that match graph 4's target
    actions.mark_done_many(alice, ids[:3])
    actions.save_many(alice, ids[1:3])
    actions.mark_done_many(alice, matching=NotificationFilter.from_params({"target": "graph:4"}))
    heard = []

    def collect():
        message = subscriber.get_message(timeout=0.1)
        if message and message["type"] == "message":
            heard.append(json.loads(message["data"].split(b" ", 2)[2]))
        return len(heard) >= 3

    wait_for(collect, message="three events published")
    subscriber.close()

    # then the other tab hears each as one event: the done ones with her exact count after, the save with it standing
    assert [(e["type"], e["ids"], e["unread"], e["complete"]) for e in heard] == [
        ("notifications.done", ids[:3], 1, True),
        ("notifications.saved", ids[1:3], 1, True),
        ("notifications.done", [ids[3]], 0, True),
    ]
    # and a poll that reads PostgreSQL instead (Redis lost them) gets the same events
    pool = ConnectionPool(connect_kwargs(connection.settings_dict), size=1)
    batch = EventStore(pool, limit=100).read_from_database(alice.pk, 4)
    pool.run(lambda cur: cur.connection.close())
    assert [json.loads(event) for event in batch.events] == heard
