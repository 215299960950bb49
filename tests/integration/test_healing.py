"""When a part that failed is back, what it held up is checked within seconds, not at its usual time.

The outbox's own pieces on the test's PostgreSQL and Redis; the whole story,
with Beacon's processes and real outages, is the fault drills
(tests/e2e/test_fault_drills.py).
"""

import base64
import json
import socket
import threading
from datetime import timedelta

import pytest
from django.db import OperationalError, connection
from django.test import override_settings
from django.utils import timezone

from tasks import outbox as outbox_tasks
from tests.support.proxy import Proxy
from tests.support.stack import free_port
from web.graphs.actions import create_graph
from web.notifications.models import ProcessedEvent
from web.outbox import healing
from web.outbox.models import OutboxEvent
from web.outbox.relay import Redelivery, redeliver_all, relay_all
from web.redis_client import get_redis

pytestmark = pytest.mark.django_db(transaction=True)

USUAL = Redelivery(first_after=30, at_most=300)


@pytest.fixture(autouse=True)
def _not_healing():
    keys = (healing.HEALING_KEY, healing.KAFKA_FAILING_KEY, outbox_tasks.HEAL_PASS_QUEUED_KEY)
    get_redis().delete(*keys)
    yield
    get_redis().delete(*keys)


def _kafka_that_loses(records):
    """Acknowledges every record and keeps none: what a broker restarted empty did."""


def _seconds_to_check(row) -> float:
    return (row.resend_at - timezone.now()).total_seconds()


def test_a_returned_part_brings_every_event_in_flight_to_a_check_within_seconds(make_user, settings):
    # given three events Kafka took, checked in 30 s as usual, one of them found stored already
    bob = make_user("bob")
    for name in ("One", "Two", "Three"):
        create_graph(bob, name=name)
    relay_all(_kafka_that_loses, USUAL)
    stored, *in_flight = OutboxEvent.objects.order_by("created")
    OutboxEvent.objects.filter(pk=stored.pk).update(delivered_at=timezone.now())
    assert all(_seconds_to_check(row) > 25 for row in OutboxEvent.objects.all())

    # when a part comes back
    assert healing.part_returned("Kafka") == 2

    # then the two in flight are checked within OUTBOX_HEAL_CHECK_SECONDS; the stored one is left alone
    for row in OutboxEvent.objects.filter(pk__in=[r.pk for r in in_flight]):
        assert _seconds_to_check(row) <= settings.OUTBOX_HEAL_CHECK_SECONDS
    assert _seconds_to_check(OutboxEvent.objects.get(pk=stored.pk)) > 25
    # and, once that is over, the check sends them again, around Kafka
    OutboxEvent.objects.update(resend_at=timezone.now() - timedelta(seconds=1))
    handed = []
    report = redeliver_all(_kafka_that_loses, USUAL, hand_over=handed.extend)
    assert (report.resent, report.around_kafka) == (2, 2)
    assert sorted(event["id"] for event in handed) == sorted(str(row.pk) for row in in_flight)


def test_while_healing_events_sent_are_checked_as_soon(make_user, settings):
    assert outbox_tasks._redelivery().first_after == settings.OUTBOX_REDELIVER_AFTER_SECONDS
    healing.part_returned("Kafka")
    assert outbox_tasks._redelivery().first_after == settings.OUTBOX_HEAL_CHECK_SECONDS
    create_graph(make_user("bob"), name="Sent while healing")
    relay_all(_kafka_that_loses, outbox_tasks._redelivery())
    assert _seconds_to_check(OutboxEvent.objects.get()) <= settings.OUTBOX_HEAL_CHECK_SECONDS


def _queued_tasks() -> list[tuple[str, list]]:
    from tasks.celery import app

    client = app.connection_for_write().default_channel.client
    # Kombu pushes at the head and takes from the tail: oldest last.
    messages = [json.loads(raw) for raw in reversed(client.lrange(app.conf.task_default_queue, 0, -1))]
    return [(m["headers"]["task"], json.loads(base64.b64decode(m["body"]))[0]) for m in messages]


def _heals_queued(after: int) -> list[list]:
    return [args for task, args in _queued_tasks()[after:] if task == "tasks.outbox.heal_after_outage"]


def test_the_first_send_that_works_after_one_failed_tells_kafka_is_back(make_user):
    def kafka_down(records):
        raise ConnectionError("no broker")

    create_graph(make_user("bob"), name="Held up")
    before = len(_queued_tasks())
    with pytest.raises(ConnectionError):
        relay_all(outbox_tasks.noting_kafka(kafka_down), USUAL)
    assert get_redis().exists(healing.KAFKA_FAILING_KEY)
    # the next send works: Kafka is back, and the heal is queued
    relay_all(outbox_tasks.noting_kafka(_kafka_that_loses), USUAL)
    assert _heals_queued(before) == [["Kafka"]]
    assert not get_redis().exists(healing.KAFKA_FAILING_KEY)
    # and a send that works after one that worked tells nothing
    create_graph(make_user("carol"), name="Not held up")
    relay_all(outbox_tasks.noting_kafka(_kafka_that_loses), USUAL)
    assert _heals_queued(before) == [["Kafka"]]


def test_redis_found_without_its_marker_is_redis_back_empty(make_user, settings):
    # given a re-send that has seen Redis's marker, and an event in flight
    outbox_tasks.redeliver_outbox()
    get_redis().delete(healing.HEALING_KEY)  # (the first pass ever finds no marker, and heals)
    create_graph(make_user("bob"), name="Its task was in Celery's queue")
    relay_all(_kafka_that_loses, USUAL)
    outbox_tasks.redeliver_outbox()
    assert _seconds_to_check(OutboxEvent.objects.get()) > 25
    # when Redis comes back without what it held (the marker with it)
    get_redis().delete(healing.REDIS_MARKER_KEY)
    outbox_tasks.redeliver_outbox()
    # then the event is checked within seconds, and the next pass is queued
    assert _seconds_to_check(OutboxEvent.objects.get()) <= settings.OUTBOX_HEAL_CHECK_SECONDS
    assert "tasks.outbox.redeliver_outbox" in [task for task, _ in _queued_tasks()]
    assert not ProcessedEvent.objects.exists()


def test_a_worker_that_starts_asks_for_the_heal_by_a_name_the_worker_knows():
    from tasks.celery import app

    assert "tasks.outbox.heal_after_outage" in app.tasks


# A new database connection waits for a server that is restarting (web/postgres/base.py).


def _connection_through(proxy: Proxy, **changes):
    from web.postgres.base import DatabaseWrapper

    return DatabaseWrapper({**connection.settings_dict, "HOST": "127.0.0.1", "PORT": proxy.port, **changes})


@pytest.fixture
def postgres_proxy():
    proxy = Proxy((connection.settings_dict["HOST"] or "127.0.0.1", int(connection.settings_dict["PORT"] or 5432)),
                  free_port())
    proxy.start()
    yield proxy
    proxy.stop()


def test_a_new_connection_waits_for_a_server_that_comes_back(postgres_proxy, caplog):
    back = threading.Event()
    with postgres_proxy.outage():
        result = []
        thread = threading.Thread(target=lambda: result.append(_select_one(_connection_through(postgres_proxy))))
        thread.start()
        assert not back.wait(1.0)  # the server stays away a second; the connection is still waiting
        assert thread.is_alive() and not result
    thread.join(timeout=15)
    assert result == [1]
    assert "PostgreSQL does not answer" in caplog.text and "answers again" in caplog.text


@override_settings(DATABASE_CONNECT_WAIT_SECONDS=0.5)
def test_a_server_away_longer_than_the_wait_fails_the_connection(postgres_proxy):
    with postgres_proxy.outage():
        with pytest.raises(OperationalError, match="refused"):
            _select_one(_connection_through(postgres_proxy))


def test_a_database_that_does_not_exist_fails_at_once(postgres_proxy, caplog):
    with pytest.raises(OperationalError, match="does not exist"):
        _select_one(_connection_through(postgres_proxy, NAME="no_such_database_here"))
    assert "PostgreSQL does not answer" not in caplog.text


def _select_one(wrapper) -> int:
    try:
        with wrapper.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone()[0]
    finally:
        wrapper.close()


def test_while_kafka_is_known_down_a_send_waits_for_no_broker_that_refuses(make_user):
    sent = []
    create_graph(make_user("bob"), name="Waiting for Kafka")
    healing.kafka_failed()
    # a broker that still refuses connections: the relay gives up at once, the events stay unsent
    with pytest.raises(outbox_tasks.KafkaStillDown):
        relay_all(outbox_tasks.noting_kafka(sent.extend, broker_answers=lambda: False), USUAL)
    assert sent == [] and OutboxEvent.objects.filter(sent_at__isnull=True).count() == 1
    # one that accepts again: the send is tried, and works
    relay_all(outbox_tasks.noting_kafka(sent.extend, broker_answers=lambda: True), USUAL)
    assert len(sent) == 1 and not OutboxEvent.objects.filter(sent_at__isnull=True).exists()


def test_the_broker_check_tells_a_refusing_address_from_a_listening_one(settings):
    from tasks.kafka_clients import any_broker_accepts_connections

    listening = socket.create_server(("127.0.0.1", 0))
    try:
        settings.KAFKA_BOOTSTRAP_SERVERS = [f"127.0.0.1:{free_port()}", f"127.0.0.1:{listening.getsockname()[1]}"]
        assert any_broker_accepts_connections()
        settings.KAFKA_BOOTSTRAP_SERVERS = [f"127.0.0.1:{free_port()}"]
        assert not any_broker_accepts_connections()
    finally:
        listening.close()
