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
from web.notifications.events import topic_for
from web.outbox import outbox
from web.outbox.models import OutboxEvent
from web.outbox.relay import relay_all

pytestmark = pytest.mark.django_db(transaction=True)


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
    assert [r["user"] for r in owner["recipients"]] == [bob.pk]
    assert [r["user"] for r in group["recipients"]] == [alice.pk]


def test_recording_outside_a_transaction_is_refused(make_user):
    from tests.support.events import graph_event

    with pytest.raises(RuntimeError, match="inside the action's transaction"):
        outbox.record(graph_event(make_user("alice"), "Loose"))


def test_the_relay_sends_waiting_events_to_kafka_and_marks_them_sent(make_user):
    alice = make_user("alice")
    graph = create_graph(alice, name="Relayed")
    [row] = OutboxEvent.objects.filter(payload__target_id=graph.pk)

    assert relay_all(send_batch) >= 1

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
        relay_all(kafka_down)
    assert OutboxEvent.objects.filter(sent_at__isnull=True).count() == 1
    # and once Kafka is back, the next relay sends it
    assert relay_all(send_batch) == 1
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
