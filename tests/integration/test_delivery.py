"""Delivery: one notification per recipient, numbered in each user's stream, idempotent."""

import json

import pytest
from django.conf import settings
from django.db import connection

from realtime.db import ConnectionPool, connect_kwargs
from realtime.publish import Channels
from realtime.store import EventStore
from tests.support.events import graph_event
from tests.support.waiting import wait_for
from web.accounts.actions import update_preferences
from web.groups.actions import add_member, create_group
from web.notifications.delivery import deliver
from web.notifications.events import NotificationEvent
from web.notifications.models import Notification, StreamEvent, UserStream
from web.outbox.models import OutboxEvent
from web.redis_client import get_redis

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_owner_event_tells_the_actor_already_read_and_wakes_their_channel(make_user):
    alice = make_user("alice")
    subscriber = get_redis().pubsub()
    subscriber.subscribe(Channels(settings.REALTIME_CHANNEL_PREFIX).of(alice.pk))
    confirmed = wait_for(lambda: subscriber.get_message(timeout=0.1), message="the subscription confirmed")
    assert confirmed["type"] == "subscribe"

    deliver(graph_event(alice, "Kinase map", kind="owner"))

    # her own action is in her list, read: she knows what she did; her count stays 0
    [notification] = Notification.objects.filter(user=alice)
    assert notification.text == "You created graph “Kinase map”."
    assert (notification.kind, notification.reasons) == ("owner", [{"kind": "owner"}])
    assert notification.read_at == notification.created
    stream = UserStream.objects.get(user=alice)
    assert (stream.last_seq, stream.unread) == (1, 0)
    [stream_event] = StreamEvent.objects.filter(user=alice)
    assert (stream_event.seq, stream_event.type) == (1, "notification.created")
    # the stream names the notification, not a copy of it; the publish carries it whole
    assert (stream_event.notification_id, stream_event.payload) == (notification.pk, {"unread": 0})
    message = wait_for(lambda: subscriber.get_message(timeout=0.1), message="a wake-up on alice's channel")
    seq, unread, carried = message["data"].split(b" ", 2)
    assert (seq, unread) == (b"1", b"0")
    assert json.loads(carried)["notification"]["id"] == notification.pk
    subscriber.close()


def test_each_readers_row_carries_its_notices_words_signatures(make_user):
    # given one event telling three people
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    deliver(graph_event(alice, "Kinase map", to=[alice, bob, carol]))
    # then each row's copies are its notice's (what a search walking the rows reads instead of the notice)
    rows = list(Notification.objects.values_list("words_signature", "words_signature_b", "notice__signature",
                                                 "notice__signature_b"))
    assert len(rows) == 3
    assert all(a == notice_a != 0 and b == notice_b != 0 for a, b, notice_a, notice_b in rows)


def test_who_asked_to_count_their_own_actions_gets_them_unread(make_user):
    alice = make_user("alice")
    update_preferences(alice, count_own_actions=True)

    deliver(graph_event(alice, "Kinase map", kind="owner"))

    [notification] = Notification.objects.filter(user=alice)
    assert notification.read_at is None
    assert UserStream.objects.get(user=alice).unread == 1


def test_a_group_event_tells_the_people_it_names_and_nobody_else(make_user):
    alice, bob, carol, dana = (make_user(n) for n in ("alice", "bob", "carol", "dana"))
    lab = create_group(alice, name="Lab")

    deliver(graph_event(bob, "Kinase map", kind="group", verb="shared", group=lab, to=[alice, carol]))

    told = set(Notification.objects.filter(notice__kind="group").values_list("user__username", flat=True))
    assert told == {alice.username, carol.username}  # not dana, not named
    assert Notification.objects.get(user=carol, notice__kind="group").text \
        == f"{bob.username} shared graph “Kinase map” with “Lab”."


def test_a_kind_turned_off_since_the_action_is_not_stored(make_user):
    from web.accounts.models import NotificationPreferences

    alice, bob = make_user("alice"), make_user("bob")
    lab = create_group(alice, name="Lab")
    event = graph_event(bob, "Kinase map", kind="group", verb="shared", group=lab, to=[alice])
    NotificationPreferences.objects.create(user=alice, app_group=False)

    assert deliver(event) == []
    assert not Notification.objects.filter(user=alice).exists()


def test_the_same_event_delivered_twice_tells_nobody_twice(make_user):
    alice = make_user("alice")
    once = graph_event(alice, "Kinase map")
    assert len(deliver(once)) == 1
    assert deliver(once) == []
    assert Notification.objects.filter(user=alice).count() == 1
    assert UserStream.objects.get(user=alice).last_seq == 1


def test_each_users_events_are_numbered_one_by_one(make_user):
    alice, bob = make_user("alice"), make_user("bob")
    lab = create_group(alice, name="Lab")
    add_member(alice, lab.pk, bob.username)
    for name in ("one", "two", "three"):
        deliver(graph_event(alice, name, kind="group", verb="shared", group=lab, to=[bob]))
    deliver(graph_event(bob, "bob's own"))
    assert list(StreamEvent.objects.filter(user=bob).order_by("seq").values_list("seq", flat=True)) == [1, 2, 3, 4]
    assert UserStream.objects.get(user=bob).unread == 4
    assert not StreamEvent.objects.filter(user=alice).exists()


def test_a_watcher_who_turned_watching_off_since_the_action_is_told_as_a_member(make_user):
    from web.accounts.models import NotificationPreferences
    from web.notifications.events import Target, new_event

    # given an event telling carol, a watcher in the group, as a watcher
    alice, carol = make_user("alice"), make_user("carol")
    lab = create_group(alice, name="Lab")
    reasons = [{"kind": "watching", "watched": {"type": "graph", "id": 1, "name": "Map"}},
               {"kind": "group", "group": {"id": lab.pk, "name": "Lab"}}]
    event = new_event(action_id="5d1e2c3b-7a8f-4f60-8b1e-9a0c2d3e4f50", kind="watching", verb="updated", actor=alice,
                      target=Target("graph", 1, "Map", graph_id=1, graph_name="Map"),
                      recipients=[{"user": carol.pk, "reasons": reasons}])
    # when she turns watching off before it is delivered
    NotificationPreferences.objects.create(user=carol, app_watching=False)
    deliver(event)
    # then she is told as a member of the group, with both reasons kept
    [told] = Notification.objects.filter(user=carol)
    assert (told.kind, told.group_name, told.reasons) == ("group", "Lab", reasons)
    assert told.text == f"{alice.username} updated graph “Map”, shared with “Lab”."


def test_a_stream_read_from_postgresql_gives_each_notification_as_the_publish_carried_it(make_user):
    alice, bob = make_user("alice"), make_user("bob")
    lab = create_group(alice, name="Lab “Müller”")
    subscriber = get_redis().pubsub()
    subscriber.subscribe(Channels(settings.REALTIME_CHANNEL_PREFIX).of(bob.pk))
    wait_for(lambda: subscriber.get_message(timeout=0.1), message="the subscription confirmed")

    # bob is added to the group (a text of his own: "added you") and hears of a graph he watches
    add_member(alice, lab.pk, bob.username)
    for row in OutboxEvent.objects.order_by("id"):
        deliver(NotificationEvent.from_dict(row.payload))
    deliver(graph_event(alice, "Kinase map", to=[bob]))
    carried = []
    wait_for(lambda: _collect(subscriber, carried) and len(carried) >= 2, message="both events published")
    subscriber.close()

    # then PostgreSQL, which stored only the notifications' ids in the stream, answers the same events
    pool = ConnectionPool(connect_kwargs(connection.settings_dict), size=1)
    batch = EventStore(pool, limit=100).read_from_database(bob.pk, 0)
    pool.run(lambda cur: cur.connection.close())
    from_database = [json.loads(event) for event in batch.events]
    assert [e["type"] for e in from_database] == ["notification.created", "notification.created"]
    assert from_database == carried
    assert from_database[0]["notification"]["text"] == f"{alice.username} added you to group “Lab “Müller””."
    assert from_database[1]["notification"]["why"] == ["watching graph Kinase map"]


def _collect(subscriber, into: list) -> bool:
    message = subscriber.get_message(timeout=0.1)
    if message and message["type"] == "message":
        into.append(json.loads(message["data"].split(b" ", 2)[2]))
    return True
