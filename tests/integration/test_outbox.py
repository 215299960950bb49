"""An action's events exist exactly when its change committed, and wait until Kafka takes them."""

import json

import pytest
from django.db import transaction
from kafka import KafkaConsumer

from tasks.kafka_clients import send_batch
from tests.support.waiting import wait_for
from web.graphs.actions import create_graph
from web.graphs.models import Graph
from web.groups.actions import add_member, create_group
from web.notifications.events import NotificationEvent, topic_for
from web.outbox import outbox
from web.outbox.models import OutboxEvent
from web.outbox.relay import Redelivery, redeliver_all, relay_all

pytestmark = pytest.mark.django_db(transaction=True)

# Checked for being stored 30 s after sending, then 60, 120, at most 300.
REDELIVERY = Redelivery(first_after=30, at_most=300)


class Rollback(Exception):
    pass


def test_an_action_that_rolls_back_leaves_no_event(make_user):
    alice = make_user("alice")
    with pytest.raises(Rollback), transaction.atomic():
        create_graph(alice, name="Draft")
        raise Rollback
    assert not Graph.objects.exists()
    assert not OutboxEvent.objects.exists()


def test_a_shared_graph_records_one_owner_and_one_group_event_of_the_same_action(make_user):
    alice, bob = make_user("alice"), make_user("bob")
    lab = create_group(alice, name="Lab")
    add_member(alice, lab.pk, bob.username)
    OutboxEvent.objects.all().delete()

    graph = create_graph(bob, name="Kinase map", group_id=lab.pk)

    events = {e.topic: e.payload for e in OutboxEvent.objects.all()}
    assert set(events) == {topic_for("owner"), topic_for("group")}
    owner, group = events[topic_for("owner")], events[topic_for("group")]
    assert owner["action_id"] == group["action_id"]
    assert (owner["actor_id"], owner["target_id"], owner["verb"]) == (bob.pk, graph.pk, "uploaded")
    assert (group["group_id"], group["verb"]) == (lab.pk, "shared")
    assert NotificationEvent.from_dict(owner).recipient_ids() == [bob.pk]
    assert NotificationEvent.from_dict(group).recipient_ids() == [alice.pk]


def test_recording_outside_a_transaction_is_refused(make_user):
    from tests.support.events import graph_event

    with pytest.raises(RuntimeError, match="inside the action's transaction"):
        outbox.record(graph_event(make_user("alice"), "Loose"))


def test_the_relay_sends_waiting_events_to_kafka_and_marks_them_sent(make_user):
    alice = make_user("alice")
    graph = create_graph(alice, name="Relayed")
    [row] = OutboxEvent.objects.filter(payload__target_id=graph.pk)

    assert relay_all(send_batch, REDELIVERY) >= 1

    row.refresh_from_db()
    assert row.sent_at is not None
    consumer = KafkaConsumer(row.topic, bootstrap_servers=_bootstrap(), auto_offset_reset="earliest")
    seen = []
    try:
        wait_for(lambda: seen.extend(json.loads(r.value)["id"] for b in consumer.poll(200).values() for r in b
                                     if r.key == row.key.encode())
                 or str(row.id) in seen, timeout=20, message="the event on its Kafka topic")
    finally:
        consumer.close()


def test_events_wait_in_the_outbox_while_kafka_is_unreachable(make_user):
    alice = make_user("alice")
    create_graph(alice, name="Patient")

    def kafka_down(records):
        raise ConnectionError("no broker")

    with pytest.raises(ConnectionError):
        relay_all(kafka_down, REDELIVERY)
    assert OutboxEvent.objects.filter(sent_at__isnull=True).count() == 1
    # and once Kafka is back, the next relay sends it
    assert relay_all(send_batch, REDELIVERY) == 1
    assert not OutboxEvent.objects.filter(sent_at__isnull=True).exists()


def _bootstrap():
    from django.conf import settings

    return settings.KAFKA_BOOTSTRAP_SERVERS


def test_pruning_forgets_old_sent_events_and_never_an_unsent_one(make_user):
    from datetime import timedelta

    from django.utils import timezone

    from web.outbox.relay import prune_sent

    # given an event sent long ago, one sent just now, and one never sent
    alice = make_user("alice")
    for name in ("old", "recent", "unsent"):
        create_graph(alice, name=name)
    long_ago = timezone.now() - timedelta(days=30)
    OutboxEvent.objects.filter(payload__target_name="old").update(sent_at=long_ago, created=long_ago)
    OutboxEvent.objects.filter(payload__target_name="recent").update(sent_at=timezone.now())
    OutboxEvent.objects.filter(payload__target_name="unsent").update(created=long_ago)
    # when sent events older than 14 days are pruned
    assert prune_sent(14) == 1
    # then only the old sent one is gone
    assert sorted(OutboxEvent.objects.values_list("payload__target_name", flat=True)) == ["recent", "unsent"]


class KafkaThatLoses:
    """A Kafka that acknowledges every record and keeps none: what a broker restarted empty does."""

    def __init__(self):
        self.taken = []

    def __call__(self, records):
        self.taken.extend(payload["id"] for _, _, payload in records)


def _come_due(seconds: float) -> None:
    """Move every sent event's send and check times ``seconds`` into the past, as if that long had passed."""
    from datetime import timedelta

    from django.db.models import F

    OutboxEvent.objects.filter(sent_at__isnull=False).update(
        sent_at=F("sent_at") - timedelta(seconds=seconds), resend_at=F("resend_at") - timedelta(seconds=seconds))


def test_an_event_kafka_took_but_nobody_stored_is_sent_again_after_its_grace_period(make_user):
    # given an event Kafka acknowledged and then lost
    alice = make_user("alice")
    create_graph(alice, name="Lost in Kafka")
    kafka = KafkaThatLoses()
    relay_all(kafka, REDELIVERY)
    [event_id] = kafka.taken
    # when the check runs before its grace period is over, nothing is sent again
    assert redeliver_all(kafka, REDELIVERY).resent == 0
    # and when it runs after, the event is sent again
    _come_due(31)
    report = redeliver_all(kafka, REDELIVERY)
    assert (report.resent, report.delivered) == (1, 0)
    assert report.oldest_seconds >= 31
    assert kafka.taken == [event_id, event_id]
    row = OutboxEvent.objects.get()
    assert row.attempts == 2 and row.delivered_at is None


def test_re_sends_back_off_doubling_up_to_the_cap(make_user):
    from django.utils import timezone

    # given an event that is lost every time it is sent
    alice = make_user("alice")
    create_graph(alice, name="Never stored")
    kafka = KafkaThatLoses()
    relay_all(kafka, REDELIVERY)
    waits = []
    for _ in range(5):
        # when each check comes and finds it not stored
        _come_due(max((OutboxEvent.objects.get().resend_at - timezone.now()).total_seconds(), 0) + 1)
        redeliver_all(kafka, REDELIVERY)
        waits.append(round((OutboxEvent.objects.get().resend_at - timezone.now()).total_seconds() / 10) * 10)
    # then it is sent again each time, waiting twice as long up to the cap
    assert waits == [60, 120, 240, 300, 300]
    assert len(kafka.taken) == 6 and OutboxEvent.objects.get().attempts == 6


def test_a_stored_event_is_marked_delivered_and_never_sent_again(make_user):
    from web.notifications.delivery import deliver
    from web.notifications.events import NotificationEvent

    # given an event Kafka took and delivery stored
    alice = make_user("alice")
    create_graph(alice, name="Stored")
    kafka = KafkaThatLoses()
    relay_all(kafka, REDELIVERY)
    deliver(NotificationEvent.from_dict(OutboxEvent.objects.get().payload))
    # when its check comes
    _come_due(31)
    report = redeliver_all(kafka, REDELIVERY)
    # then it is marked delivered, not sent again, and never checked again
    assert (report.resent, report.delivered) == (0, 1)
    assert OutboxEvent.objects.get().delivered_at is not None
    _come_due(10_000)
    assert redeliver_all(kafka, REDELIVERY) == type(report)(0, 0, 0.0)
    assert len(kafka.taken) == 1


def test_a_re_sent_event_that_was_only_slow_tells_nobody_twice(make_user):
    from web.notifications.delivery import deliver
    from web.notifications.events import NotificationEvent
    from web.notifications.models import Notification

    # given an event sent again because its first delivery was late
    alice, bob = make_user("alice"), make_user("bob")
    lab = create_group(alice, name="Lab")
    add_member(alice, lab.pk, bob.username)
    create_graph(alice, name="Slow", group_id=lab.pk)
    kafka = KafkaThatLoses()
    relay_all(kafka, REDELIVERY)
    _come_due(31)
    redeliver_all(kafka, REDELIVERY)
    # when both copies reach delivery
    for event in OutboxEvent.objects.filter(payload__target_name="Slow"):
        for _ in range(2):
            deliver(NotificationEvent.from_dict(event.payload))
    # then bob is told once
    assert Notification.objects.filter(user=bob, notice__target_name="Slow").count() == 1


def test_re_sending_waits_for_kafka_like_sending_does(make_user):
    alice = make_user("alice")
    create_graph(alice, name="Patient")
    relay_all(KafkaThatLoses(), REDELIVERY)
    _come_due(31)

    def kafka_down(records):
        raise ConnectionError("no broker")

    with pytest.raises(ConnectionError):
        redeliver_all(kafka_down, REDELIVERY)
    row = OutboxEvent.objects.get()
    assert row.attempts == 1  # not counted as sent again
    kafka = KafkaThatLoses()
    assert redeliver_all(kafka, REDELIVERY).resent == 1


def test_an_event_kafka_keeps_failing_goes_straight_to_delivery_on_its_third_send(make_user):
    from web.notifications.delivery import deliver
    from web.notifications.events import NotificationEvent
    from web.notifications.models import Notification

    # given an event Kafka took twice and lost twice
    alice = make_user("alice")
    create_graph(alice, name="Around Kafka")
    kafka, handed = KafkaThatLoses(), []

    def deliver_now(events):
        handed.extend(events)
        for event in events:
            deliver(NotificationEvent.from_dict(event))

    kafka_once_more = Redelivery(first_after=30, at_most=300, around_kafka_from=3)
    relay_all(kafka, kafka_once_more)
    _come_due(31)
    first = redeliver_all(kafka, kafka_once_more, hand_over=deliver_now)
    assert (first.resent, first.around_kafka, len(kafka.taken)) == (1, 0, 2)
    # when its next check comes
    _come_due(61)
    second = redeliver_all(kafka, kafka_once_more, hand_over=deliver_now)
    # then it goes around Kafka, straight to delivery, and Alice has her record
    assert (second.resent, second.around_kafka, len(kafka.taken), len(handed)) == (1, 1, 2, 1)
    assert Notification.objects.filter(user=alice, notice__target_name="Around Kafka").count() == 1
    # and the check after finds it stored
    _come_due(121)
    assert redeliver_all(kafka, kafka_once_more, hand_over=deliver_now).delivered == 1


def test_by_default_every_re_send_goes_straight_to_delivery(make_user):
    alice = make_user("alice")
    create_graph(alice, name="Straight")
    kafka, handed = KafkaThatLoses(), []
    relay_all(kafka, REDELIVERY)
    _come_due(31)
    report = redeliver_all(kafka, REDELIVERY, hand_over=handed.extend)
    assert (report.resent, report.around_kafka, len(kafka.taken), len(handed)) == (1, 1, 1, 1)


def test_a_burst_of_actions_queues_one_relay_until_that_relay_starts(make_user):
    """Each action asks for the relay after commit; while one is queued and not started, no other is queued."""
    from tasks.celery import app
    from web.redis_client import get_redis

    queue = app.conf.task_default_queue
    broker = app.connection_for_write().default_channel.client
    bob = make_user("bob")
    outbox.relay_starting()  # whatever an earlier test left asked
    queued = broker.llen(queue)

    for n in range(3):
        create_graph(bob, name=f"Burst {n}")
    assert broker.llen(queue) == queued + 1
    assert get_redis().exists(outbox.RELAY_ASKED_KEY)

    outbox.relay_starting()  # the queued relay begins: what commits now needs another
    create_graph(bob, name="After the relay began")
    assert broker.llen(queue) == queued + 2


def test_the_relay_is_asked_for_by_the_name_the_worker_knows_it_by():
    """web/ queues the relay by name (it never imports tasks/): the name must be the worker's task's."""
    from tasks.celery import app
    from tasks.outbox import relay_outbox

    assert outbox.RELAY_TASK == relay_outbox.name
    assert outbox.RELAY_TASK in app.tasks


def test_a_relay_that_starts_asks_the_next_commit_to_queue_another(make_user):
    """The relay's own code clears the flag (relay_all), however it was started: queued or by beat."""
    from web.redis_client import get_redis

    create_graph(make_user("bob"), name="Asked for")
    assert get_redis().exists(outbox.RELAY_ASKED_KEY)
    relay_all(KafkaThatLoses(), REDELIVERY)
    assert not get_redis().exists(outbox.RELAY_ASKED_KEY)
