"""What an operator sees of events in flight: GET /metrics and the re-send log line."""

import logging

import pytest
from django.conf import settings
from django.test import Client

from tests.integration.test_outbox import REDELIVERY, KafkaThatLoses, _come_due
from tests.support.operator import operator_headers
from web.graphs.actions import create_graph
from web.outbox import metrics
from web.outbox.relay import relay_all

pytestmark = pytest.mark.django_db(transaction=True)


def _metric(text: str, name: str) -> float:
    [line] = [line for line in text.splitlines() if line.startswith(name + " ")]
    return float(line.split()[1])


def test_metrics_show_events_waiting_and_in_flight(make_user):
    # given one event waiting for Kafka and one sent but not yet stored
    alice = make_user("alice")
    create_graph(alice, name="Sent")
    relay_all(KafkaThatLoses(), REDELIVERY)
    create_graph(alice, name="Waiting")
    # when an operator's scraper asks
    page = Client().get("/metrics", headers=operator_headers())
    # then it reads both, in Prometheus text
    assert page.status_code == 200
    text = page.content.decode()
    assert _metric(text, "beacon_outbox_pending_events") == 1
    assert _metric(text, "beacon_outbox_unconfirmed_events") == 1
    assert _metric(text, "beacon_outbox_oldest_in_flight_seconds") >= 0


@pytest.mark.parametrize("headers", [
    {},
    {"Authorization": "Bearer not-the-token"},
    {"Authorization": f"Token {settings.OPERATOR_TOKEN}"},
    # behind a proxy every request comes from the proxy's (loopback) address: that proves nothing
    {"X-Forwarded-For": "127.0.0.1"},
], ids=["no token", "wrong token", "another scheme", "a forwarded loopback address"])
def test_metrics_are_served_to_the_operators_token_only(headers):
    page = Client(REMOTE_ADDR="127.0.0.1").get("/metrics", headers=headers)
    assert page.status_code == 401
    assert page["WWW-Authenticate"] == "Bearer"
    assert page.json() == {"error": "unauthenticated", "detail": "send Authorization: Bearer <OPERATOR_TOKEN>"}


def test_with_no_operator_token_configured_metrics_are_off_and_say_how_to_turn_them_on(settings):
    settings.OPERATOR_TOKEN = ""
    page = Client().get("/metrics", headers={"Authorization": "Bearer "})
    assert page.status_code == 403
    assert "set OPERATOR_TOKEN" in page.json()["detail"]


def test_a_re_send_is_logged_with_its_reason_and_counted(make_user, caplog, monkeypatch):
    from tasks import outbox as outbox_tasks

    # given an event Kafka took and lost, past its grace period
    alice = make_user("alice")
    create_graph(alice, name="Lost")
    kafka = KafkaThatLoses()
    relay_all(kafka, REDELIVERY)
    _come_due(31)
    before = metrics.resent_total()
    monkeypatch.setattr(outbox_tasks, "send_batch", kafka)
    # when beat's check runs
    with caplog.at_level(logging.WARNING, logger="tasks.outbox"):
        assert outbox_tasks.redeliver_outbox() == 1
    # then the log says how many and why, and the counter went up by as many
    assert "re-sent 1 events sent but not stored within their grace period" in caplog.text
    assert "Kafka, Celery's queue or a killed worker lost them" in caplog.text
    assert metrics.resent_total() == before + 1
    text = Client().get("/metrics", headers=operator_headers()).content.decode()
    assert _metric(text, "beacon_outbox_resent_events_total") == before + 1
