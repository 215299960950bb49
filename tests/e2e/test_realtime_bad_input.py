"""A cursor that is not one is a 400 from the realtime process, never a 500: "²" passes str.isdigit()."""

import http.client
import json
from urllib.parse import urlsplit

import pytest

from tests.support.tokens import new_key

pytestmark = [pytest.mark.stack, pytest.mark.usefixtures("live_db")]

DETAIL = "{} must be a non-negative integer, as returned by the last answer"


def realtime_get(beacon, key: str, path: str, headers: dict | None = None) -> tuple[int, dict]:
    """One GET through the router; headers are sent as HTTP sends them (latin-1), as a browser would."""
    parts = urlsplit(beacon.base_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=20)
    try:
        conn.request("GET", path, headers={"Authorization": f"Token {key}", **(headers or {})})
        response = conn.getresponse()
        return response.status, json.loads(response.read())
    finally:
        conn.close()


@pytest.mark.parametrize("cursor", ["%C2%B2", "%D9%A3", "9223372036854775808"])
def test_a_poll_from_a_cursor_that_is_not_one_is_a_400_that_says_why(beacon, make_user, cursor):
    key = new_key(make_user("alice"))

    status, body = realtime_get(beacon, key, f"/realtime/poll?cursor={cursor}")

    assert (status, body) == (400, {"error": "bad_request", "detail": DETAIL.format("cursor")})


def test_an_event_stream_resumed_from_a_last_event_id_that_is_not_one_is_a_400(beacon, make_user):
    key = new_key(make_user("alice"))

    status, body = realtime_get(beacon, key, "/realtime/poll",
                                {"Accept": "text/event-stream", "Last-Event-ID": "²"})

    assert (status, body) == (400, {"error": "bad_request", "detail": DETAIL.format("Last-Event-ID")})


def test_an_event_stream_from_a_cursor_that_is_not_one_is_a_400(beacon, make_user):
    key = new_key(make_user("alice"))

    status, body = realtime_get(beacon, key, "/realtime/poll?cursor=%C2%B2", {"Accept": "text/event-stream"})

    assert (status, body) == (400, {"error": "bad_request", "detail": DETAIL.format("cursor")})
