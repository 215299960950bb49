"""Use a service the way Beacon will, to prove an endpoint really works."""

import uuid
from itertools import islice

import psycopg2
import redis
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.admin import NewTopic


def current_database(url: str) -> str:
    with psycopg2.connect(url, connect_timeout=5) as conn, conn.cursor() as cur:
        cur.execute("SELECT current_database(), 40 + 2")
        name, answer = cur.fetchone()
    conn.close()
    assert answer == 42
    return name


def redis_roundtrip(url: str) -> int:
    """SET then GET a value; returns the db number the connection uses."""
    client = redis.Redis.from_url(url, socket_timeout=5)
    try:
        key = f"devstack-test-{uuid.uuid4().hex}"
        client.set(key, b"value", ex=60)
        assert client.get(key) == b"value"
        return client.connection_pool.connection_kwargs["db"]
    finally:
        client.close()


def kafka_roundtrip(bootstrap: str, timeout_s: float = 20) -> None:
    """Produce one message, then read it back through a consumer group."""
    topic = f"devstack-test-{uuid.uuid4().hex[:8]}"
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
    try:
        admin.create_topics([NewTopic(topic, 1, 1)])
    finally:
        admin.close()
    producer = KafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=False)
    try:
        producer.send(topic, b"hello from devstack").get(timeout=10)
    finally:
        producer.close()
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"{topic}-group",
        auto_offset_reset="earliest",
        session_timeout_ms=2000,  # Tansu wants short group timeouts
        heartbeat_interval_ms=500,
        consumer_timeout_ms=int(timeout_s * 1000),  # the deadline: iteration stops after this
    )
    try:
        values = [message.value for message in islice(consumer, 1)]
    finally:
        consumer.close()
    assert values == [b"hello from devstack"], f"no message consumed from {topic} within {timeout_s} s"


def all_work(endpoints: dict) -> None:
    current_database(endpoints["postgres"].url)
    redis_roundtrip(endpoints["redis"].url)
    kafka_roundtrip(endpoints["kafka"].url)
