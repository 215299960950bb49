"""Kafka clients, made from settings with the options Beacon relies on.

kafka-python's idempotent producer cannot recover once its broker restarts
(it keeps a producer id the broker forgot), so Beacon's producers are plain
``acks=all`` producers; consumers dedupe by event id instead. A producer that
fails is closed and made anew on next use.
"""

import logging
import socket
import threading
from collections.abc import Sequence

import orjson
from django.conf import settings
from kafka import ConsumerRebalanceListener, KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.admin import NewPartitions, NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError

log = logging.getLogger(__name__)

# How long a send may wait for the broker before the batch counts as failed
# and stays in the outbox for the next relay.
SEND_TIMEOUT_SECONDS = 10

# How stale the consumer's view of topics and partitions may grow.
METADATA_MAX_AGE_MS = 5000
# The longest wait between attempts to reach a broker that is down
# (kafka-python's default grows to 30 s): its return is noticed within this.
RECONNECT_BACKOFF_MAX_MS = 1000

_producer: KafkaProducer | None = None
_producer_lock = threading.Lock()


def _new_producer() -> KafkaProducer:
    return KafkaProducer(
        bootstrap_servers=settings.KAFKA_BOOTSTRAP_SERVERS,
        acks="all",
        enable_idempotence=False,
        retries=3,
        max_block_ms=SEND_TIMEOUT_SECONDS * 1000,
        request_timeout_ms=SEND_TIMEOUT_SECONDS * 1000,
        reconnect_backoff_max_ms=RECONNECT_BACKOFF_MAX_MS,
        client_id="beacon-producer",
    )


def producer() -> KafkaProducer:
    global _producer
    with _producer_lock:
        if _producer is None:
            _producer = _new_producer()
        return _producer


def discard_producer() -> None:
    global _producer
    with _producer_lock:
        if _producer is not None:
            _producer.close(timeout=1)
            _producer = None


def any_broker_accepts_connections(timeout: float = 1.0) -> bool:
    """Whether a TCP connection to some bootstrap server opens: a broker that is down refuses at once."""
    for server in settings.KAFKA_BOOTSTRAP_SERVERS:
        host, _, port = server.rpartition(":")
        try:
            socket.create_connection((host.strip("[]") or "127.0.0.1", int(port or 9092)), timeout=timeout).close()
        except (OSError, ValueError):
            continue
        return True
    return False


def send_batch(records: Sequence[tuple[str, str, dict]]) -> None:
    """Send (topic, key, JSON value) records; return once Kafka acknowledged all."""
    try:
        client = producer()
        futures = [
            client.send(topic, key=key.encode(), value=orjson.dumps(value))
            for topic, key, value in records
        ]
        client.flush(timeout=SEND_TIMEOUT_SECONDS)
        for future in futures:
            future.get(timeout=SEND_TIMEOUT_SECONDS)
    except Exception:
        discard_producer()
        raise


def send_raw(topic: str, key: bytes | None, value: bytes | None, headers: list[tuple[str, bytes]]) -> None:
    try:
        future = producer().send(topic, key=key, value=value, headers=headers)
        future.get(timeout=SEND_TIMEOUT_SECONDS)
    except Exception:
        discard_producer()
        raise


def ensure_topics(names: Sequence[str], *, partitions: int | None = None) -> None:
    """Create missing topics with KAFKA_TOPIC_PARTITIONS partitions; add partitions to one that has fewer.

    More partitions is what lets more consumers share the work (one partition
    is read by one consumer of the group). Events are keyed by their resource
    (NotificationEvent.kafka_key), so one resource's events stay in one
    partition, in order. A broker that cannot add partitions (Tansu, the
    development broker) leaves the topic as it is, and the log says so.
    """
    wanted = partitions or settings.KAFKA_TOPIC_PARTITIONS
    admin = KafkaAdminClient(bootstrap_servers=settings.KAFKA_BOOTSTRAP_SERVERS, client_id="beacon-admin",
                             request_timeout_ms=SEND_TIMEOUT_SECONDS * 1000,
                             reconnect_backoff_max_ms=RECONNECT_BACKOFF_MAX_MS)
    try:
        existing = set(admin.list_topics())
        for name in sorted(set(names) - existing):
            try:
                admin.create_topics([NewTopic(name, num_partitions=wanted, replication_factor=1)])
                log.info("created Kafka topic %s with %d partitions", name, wanted)
            except TopicAlreadyExistsError:
                pass
        for topic in admin.describe_topics(sorted(set(names) & existing)):
            have = len(topic.get("partitions") or ())
            if 0 < have < wanted:
                _add_partitions(admin, topic["name"], have, wanted)
    finally:
        admin.close()


def _add_partitions(admin: KafkaAdminClient, name: str, have: int, wanted: int) -> None:
    try:
        admin.create_partitions({name: NewPartitions(total_count=wanted)})
        # (Keys already in the topic may now hash to another partition: a
        # resource's events from before and after can be read out of order
        # once, which delivery, idempotent per action, does not mind.)
        log.info("Kafka topic %s: %d partitions added (%d in all)", name, wanted - have, wanted)
    except KafkaError as error:
        log.warning("Kafka topic %s has %d partitions, KAFKA_TOPIC_PARTITIONS asks for %d, and the broker would "
                    "not add them (%s): at most %d consumers share its work; add them with the broker's tools",
                    name, have, wanted, error, have)


class _LogAssignments(ConsumerRebalanceListener):
    def on_partitions_revoked(self, revoked):
        log.info("partitions revoked: %s", _names(revoked))

    def on_partitions_assigned(self, assigned):
        log.info("partitions assigned: %s", _names(assigned))


def _names(partitions) -> str:
    return ", ".join(sorted(f"{p.topic}[{p.partition}]" for p in partitions)) or "none"


# How long a fetch may wait for records. Apache Kafka answers as soon as one
# arrives; Tansu (the development broker) waits out the whole time, so with
# kafka-python's default of 500 ms that wait would be most of an event's way
# to its users. Lower costs only an idle consumer's empty fetches.
FETCH_MAX_WAIT_MS = 50


def new_consumer(topics: Sequence[str]) -> KafkaConsumer:
    consumer = KafkaConsumer(
        bootstrap_servers=settings.KAFKA_BOOTSTRAP_SERVERS,
        group_id=settings.KAFKA_CONSUMER_GROUP,
        client_id="beacon-consumer",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        session_timeout_ms=settings.KAFKA_SESSION_TIMEOUT_MS,
        heartbeat_interval_ms=settings.KAFKA_HEARTBEAT_INTERVAL_MS,
        max_poll_records=100,
        fetch_max_wait_ms=FETCH_MAX_WAIT_MS,
        # A topic made anew by a broker that lost it (the development broker
        # creates it on first use, with partitions of its own choosing) is
        # read within seconds, not after kafka-python's default of 5 minutes.
        metadata_max_age_ms=METADATA_MAX_AGE_MS,
        reconnect_backoff_max_ms=RECONNECT_BACKOFF_MAX_MS,
    )
    consumer.subscribe(topics=list(topics), listener=_LogAssignments())
    return consumer
