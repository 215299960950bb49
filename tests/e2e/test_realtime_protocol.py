"""The rest of the realtime protocol: tokens, 429, Server-Sent Events, retention, metrics."""

import http.client
import json
import threading
import time
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from realtime.publish import events_key, state_key
from tests.support.events import graph_event
from tests.support.operator import operator_headers
from tests.support.tokens import new_key
from tests.support.waiting import wait_for
from web.notifications.delivery import deliver
from web.notifications.models import StreamEvent
from web.notifications.stream import prune
from web.redis_client import get_redis

pytestmark = [pytest.mark.stack, pytest.mark.usefixtures("live_db")]


def token_poll(beacon, key: str, query: str):
    return beacon.browser().get(f"/realtime/poll?{query}", headers={"Authorization": f"Token {key}"})


def test_an_api_token_authenticates_a_poll(beacon, make_user):
    alice = make_user("alice")
    deliver(graph_event(alice, "first"))
    key = new_key(alice)

    assert token_poll(beacon, key, "").json() == {"cursor": 1, "unread": 1, "events": []}
    refused = token_poll(beacon, "not-a-token", "cursor=0")
    assert refused.status == 401 and refused.json()["error"] == "unauthenticated"


def test_one_user_holding_too_many_polls_is_told_to_retry_later(beacon, make_user):
    # given alice holding 20 polls, the most one user may hold
    alice = make_user("alice")
    key = new_key(alice)
    held = [threading.Thread(target=token_poll, args=(beacon, key, "cursor=0&timeout=5")) for _ in range(20)]
    for thread in held:
        thread.start()
    wait_for(lambda: _held(beacon) >= 20, message="20 held polls")

    # when she opens one more
    refused = token_poll(beacon, key, "cursor=0&timeout=5")

    # then it is refused with 429 and when to retry, and the 20 are unharmed
    assert refused.status == 429
    assert refused.headers["Retry-After"] == "5"
    assert refused.json()["error"] == "too_many_polls"
    for thread in held:
        thread.join(timeout=15)
    # and bob is not limited by alice's polls
    bob = make_user("bob")
    assert token_poll(beacon, new_key(bob), "cursor=0&timeout=0").status == 200


def test_an_event_stream_resumes_after_its_last_event_id(beacon, make_user):
    # given alice, who saw event 1 of 3 on an event stream before it broke
    alice = make_user("alice")
    for n in range(3):
        deliver(graph_event(alice, f"graph {n}"))
    key = new_key(alice)

    # when her EventSource reconnects with Last-Event-ID: 1, and a fourth event comes while it is open
    stream = EventStream(beacon.base_url, {"Authorization": f"Token {key}", "Last-Event-ID": "1"})
    try:
        first_two = stream.read_events(2)
        deliver(graph_event(alice, "graph 3"))
        live = stream.read_events(1)
    finally:
        stream.close()

    # then she gets 2, 3 and 4, in order, each with its id, and nothing twice
    events = first_two + live
    assert [(e["id"], e["event"]) for e in events] == [("2", "notification.created"), ("3", "notification.created"),
                                                        ("4", "notification.created")]
    assert [e["data"]["notification"]["target"]["name"] for e in events] == ["graph 1", "graph 2", "graph 3"]
    assert events[-1]["data"]["unread"] == 4


def test_a_cursor_older_than_the_retention_period_gets_a_reset(beacon, make_user, settings):
    # given alice's first three events, now older than the retention period and pruned
    alice, browser = make_user("alice"), None
    for n in range(3):
        deliver(graph_event(alice, f"old {n}"))
    StreamEvent.objects.filter(user=alice).update(created=timezone.now() - timedelta(days=31))
    prune(settings.REALTIME_RETENTION_DAYS)
    # (a day on, Redis has let go of them too)
    get_redis().delete(events_key(alice.pk), state_key(alice.pk))
    deliver(graph_event(alice, "new"))
    browser = beacon.browser()
    browser.log_in(alice.username, "alice")

    # when her week-old tab polls from cursor 1
    answer = browser.poll(1).json()

    # then it is told to reset, explicitly, with where she is now
    assert answer == {"reset": True, "cursor": 4, "unread": 4}
    # while a cursor inside the kept period still catches up normally
    assert [e["seq"] for e in browser.poll(3).json()["events"]] == [4]


def test_operators_see_held_requests_and_wake_up_latency(beacon, make_user):
    alice = make_user("alice")
    key = new_key(alice)
    poller = threading.Thread(target=token_poll, args=(beacon, key, "cursor=0&timeout=20"))
    poller.start()
    wait_for(lambda: _gauge(_metrics(beacon), "beacon_realtime_held_requests") >= 1,
             message="the held poll in the metrics")
    deliver(graph_event(alice, "graph"))
    poller.join(timeout=20)

    metrics = _metrics(beacon)
    assert 'beacon_realtime_answers_total{outcome="events"}' in metrics
    count = next(line for line in metrics.splitlines()
                 if line.startswith("beacon_realtime_wakeup_to_answer_seconds_count"))
    assert float(count.split()[-1]) >= 1


def test_how_busy_a_realtime_process_is_is_for_operators_only(beacon):
    # anyone (a load balancer) may ask whether it is alive, and learns nothing more
    page = beacon.browser().get("/realtime/healthz")
    assert (page.status, page.json()) == (200, {"ok": True})
    # its metrics want the operators' token, and say so
    for headers in ({}, {"Authorization": "Bearer not-the-token"}, {"X-Forwarded-For": "127.0.0.1"}):
        page = beacon.browser().get("/realtime/metrics", headers=headers)
        assert page.status == 401, headers
        assert page.json()["detail"] == "send Authorization: Bearer <OPERATOR_TOKEN>"
    # and with it, an operator sees both
    assert "held_polls" in beacon.browser().get("/realtime/healthz", headers=operator_headers()).json()
    assert "beacon_realtime_held_requests" in _metrics(beacon)


def _held(beacon) -> int:
    return beacon.browser().get("/realtime/healthz", headers=operator_headers()).json()["held_polls"]


def _gauge(metrics: str, name: str) -> float:
    return float(next(line for line in metrics.splitlines() if line.startswith(name + " ")).split()[-1])


def _metrics(beacon) -> str:
    page = beacon.browser().get("/realtime/metrics", headers=operator_headers())
    assert page.status == 200
    return page.text


class EventStream:
    """A minimal EventSource: reads ``id``/``event``/``data`` blocks off a live response."""

    def __init__(self, base_url: str, headers: dict, timeout: float = 20):
        parts = urlsplit(base_url)
        self._conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
        self._conn.request("GET", "/realtime/poll", headers={"Accept": "text/event-stream", **headers})
        self._response = self._conn.getresponse()
        assert self._response.status == 200, self._response.read()
        assert self._response.getheader("Content-Type").startswith("text/event-stream")
        self._deadline = time.monotonic() + timeout

    def read_events(self, count: int) -> list[dict]:
        events, block = [], {}
        while len(events) < count:
            assert time.monotonic() < self._deadline, f"only {len(events)} of {count} events arrived"
            line = self._response.fp.readline().decode().rstrip("\n")
            if line == "":
                if "data" in block:
                    events.append(block)
                block = {}
            elif not line.startswith(":") and ":" in line:
                field, _, value = line.partition(":")
                block[field] = json.loads(value.strip()) if field == "data" else value.strip()
        return events

    def close(self) -> None:
        self._conn.close()
