"""The Kafka topics: as many partitions as configured, and one resource's events in one partition, in order."""

import logging
import uuid

from django.conf import settings
from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from kafka.admin import NewTopic

from tasks import kafka_clients
from tests.support.waiting import wait_for


def partitions_of(topic: str) -> set[int]:
    consumer = KafkaConsumer(bootstrap_servers=settings.KAFKA_BOOTSTRAP_SERVERS)
    try:
        return wait_for(lambda: consumer.partitions_for_topic(topic), timeout=20, message=f"{topic}'s partitions")
    finally:
        consumer.close()


def fresh(name: str) -> str:
    return f"{settings.KAFKA_TOPIC_PREFIX}{name}-{uuid.uuid4().hex[:6]}"


def test_a_missing_topic_is_made_with_the_configured_partitions(settings):
    settings.KAFKA_TOPIC_PARTITIONS = 3
    topic = fresh("made")
    kafka_clients.ensure_topics([topic])
    assert partitions_of(topic) == {0, 1, 2}


def test_a_topic_with_fewer_partitions_is_grown_or_the_log_says_why_not(settings, caplog):
    topic = fresh("grown")
    admin = KafkaAdminClient(bootstrap_servers=settings.KAFKA_BOOTSTRAP_SERVERS)
    try:
        admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)])
    finally:
        admin.close()
    settings.KAFKA_TOPIC_PARTITIONS = 3

    with caplog.at_level(logging.INFO, logger="tasks.kafka_clients"):
        kafka_clients.ensure_topics([topic])

    if f"Kafka topic {topic}: 2 partitions added (3 in all)" in caplog.text:  # a broker that can (Apache Kafka)
        assert wait_for(lambda: partitions_of(topic) == {0, 1, 2}, timeout=20, message="3 partitions")
    else:  # one that cannot (Tansu, the development broker): it stays, and the operator is told
        assert f"Kafka topic {topic} has 1 partitions, KAFKA_TOPIC_PARTITIONS asks for 3" in caplog.text
        assert partitions_of(topic) == {0}


def test_one_resources_events_share_a_partition_and_keep_their_order(settings):
    settings.KAFKA_TOPIC_PARTITIONS = 4
    topic = fresh("keyed")
    kafka_clients.ensure_topics([topic])
    records = [(topic, f"graph:{graph_id}", {"n": n, "graph": graph_id}) for n in range(10) for graph_id in (1, 2, 3)]
    kafka_clients.send_batch(records)

    consumer = KafkaConsumer(bootstrap_servers=settings.KAFKA_BOOTSTRAP_SERVERS, auto_offset_reset="earliest",
                             enable_auto_commit=False)
    consumer.assign([TopicPartition(topic, p) for p in partitions_of(topic)])
    seen = []
    try:
        wait_for(lambda: seen.extend(r for batch in consumer.poll(200).values() for r in batch) or len(seen) == 30,
                 timeout=30, message="the 30 records read back")
    finally:
        consumer.close()
    by_graph: dict[bytes, list] = {}
    for record in seen:
        by_graph.setdefault(record.key, []).append(record)
    for key, graph_records in by_graph.items():
        assert len({r.partition for r in graph_records}) == 1, f"{key} spread over partitions"
        ordered = sorted(graph_records, key=lambda r: r.offset)
        assert [int(r.value.split(b'"n":')[1].split(b",")[0]) for r in ordered] == list(range(10))
