"""Nothing lost, whatever fails: clients that leave, sessions that end, a database that drops its
connections, and request bodies the development router must pass through as they are."""

import http.client
import json
import socket
import time
import urllib.request
import uuid
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection

from realtime.publish import events_key, state_key
from tests.support.events import graph_event
from tests.support.operator import operator_headers
from tests.support.stack import own_realtime
from tests.support.tokens import new_key
from tests.support.waiting import wait_for
from web.api.models import ApiToken
from web.groups.models import Group
from web.notifications.delivery import deliver
from web.redis_client import get_redis

pytestmark = [pytest.mark.stack, pytest.mark.usefixtures("live_db")]

# How long a request the client left may stay held: far below the 25 s hold it would otherwise last.
LET_GO_WITHIN_SECONDS = 5


# -- a held request whose client leaves -------------------------------------------------------------


@pytest.mark.parametrize("via", ["router", "realtime"])
def test_clicking_through_30_pages_never_meets_a_429_and_leaves_only_the_open_pages_poll_held(beacon, make_user,
                                                                                             via):
    # given alice, and nothing held by anyone (what earlier tests left has gone)
    alice = make_user("alice")
    credentials = {"Authorization": f"Token {new_key(alice)}"}
    realtime = _realtime_address(beacon)
    wait_for(lambda: _held(realtime) == 0, timeout=40, message="no request held from earlier tests")
    refused_before = _counter(realtime, 'beacon_realtime_refused_total{status="429"}')

    # when she clicks through 30 pages, one after the other: each page's poll is held until she leaves it
    for _ in range(30):
        page = OpenRequest(_address(beacon, via), "/realtime/poll?cursor=0", credentials)
        wait_for(lambda: _held(realtime) >= 1, message="the page's poll held")
        page.leave()
    last_page = OpenRequest(_address(beacon, via), "/realtime/poll?cursor=0", credentials)

    # then only the page she is on holds a poll, none of hers was refused, and operators see why the others ended
    wait_for(lambda: _held(realtime) == 1, timeout=LET_GO_WITHIN_SECONDS, message="only the open page's poll held")
    assert _counter(realtime, 'beacon_realtime_refused_total{status="429"}') == refused_before
    assert _counter(realtime, 'beacon_realtime_answers_total{outcome="gone"}') >= 1
    # and that page gets her next notification
    deliver(graph_event(alice, "after 30 pages"))
    status, answer = last_page.answer()
    assert status == 200
    assert [e["notification"]["target"]["name"] for e in json.loads(answer)["events"]] == ["after 30 pages"]


@pytest.mark.parametrize("via", ["router", "realtime"])
def test_event_streams_left_behind_are_let_go_at_once(beacon, make_user, via):
    # given alice, and nothing held by anyone
    alice = make_user("alice")
    credentials = {"Authorization": f"Token {new_key(alice)}",
                   "Accept": "text/event-stream"}
    realtime = _realtime_address(beacon)
    wait_for(lambda: _held(realtime) == 0, timeout=40, message="no request held from earlier tests")

    # when she opens 30 pages one after the other, each with an event stream, leaving each for the next
    for n in range(30):
        page = OpenRequest(_address(beacon, via), "/realtime/poll", credentials)
        assert page.status() == 200, f"page {n + 1}'s event stream was refused"
        page.leave()
    last_page = OpenRequest(_address(beacon, via), "/realtime/poll", credentials)
    assert last_page.status() == 200

    # then only the open page's stream is held, and it carries her next notification
    wait_for(lambda: _held(realtime) == 1, timeout=LET_GO_WITHIN_SECONDS, message="only the open page's stream held")
    assert _counter(realtime, 'beacon_realtime_streams_ended_total{reason="gone"}') >= 1
    deliver(graph_event(alice, "after 30 streams"))
    assert b"after 30 streams" in last_page.read_until(b"after 30 streams")
    last_page.leave()


# -- an event stream whose credentials end ----------------------------------------------------------

# A short trust in a session or token lookup, so that a test sees a stream end in seconds.
SHORT_SESSION_CACHE_SECONDS = 2


@pytest.fixture
def short_trust_realtime(beacon, tmp_path):
    """A realtime process of this test's own that trusts a credentials lookup for 2 s only,
    and sends a keep-alive every second, so an idle stream is never silent."""
    yield from _own_realtime(beacon, tmp_path, {"REALTIME_SESSION_CACHE_SECONDS": str(SHORT_SESSION_CACHE_SECONDS),
                                                "REALTIME_SSE_HEARTBEAT_SECONDS": "1"})


def test_an_event_stream_whose_session_ends_unannounced_ends_within_the_cache_time(beacon, make_user,
                                                                                   short_trust_realtime):
    # given alice, logged in, with an event stream open on her session
    alice = make_user("alice")
    browser = beacon.browser()
    browser.log_in(alice.username, "alice")
    stream = OpenRequest(short_trust_realtime, "/realtime/poll",
                         {"Cookie": _cookie_header(browser), "Accept": "text/event-stream"})
    assert stream.status() == 200
    stream.read_until(b"event: state")

    # when her session ends with no revocation published (as when that publish is lost with Redis)
    Session.objects.filter(session_key=_session_key(browser)).delete()

    # then within the session cache time (and a margin) the stream says why it ends, and ends
    rest = stream.read_to_end(within=SHORT_SESSION_CACHE_SECONDS + 8)
    assert b"event: end" in rest
    assert b'"reason":"unauthenticated"' in rest
    wait_for(lambda: _held(short_trust_realtime) == 0, timeout=LET_GO_WITHIN_SECONDS, message="the stream let go")


def test_an_event_stream_whose_token_is_deleted_unannounced_ends_within_the_cache_time(make_user,
                                                                                       short_trust_realtime):
    # given bob's script, streaming his events with an API token
    bob = make_user("bob")
    key = new_key(bob, "script")
    stream = OpenRequest(short_trust_realtime, "/realtime/poll",
                         {"Authorization": f"Token {key}", "Accept": "text/event-stream"})
    assert stream.status() == 200
    stream.read_until(b"event: state")

    # when the token's row goes with no revocation published (no signal: a bare DELETE)
    with connection.cursor() as cur:
        cur.execute(f"DELETE FROM {ApiToken._meta.db_table} WHERE user_id = %s", [bob.pk])

    # then the stream ends within the cache time and a margin, saying why
    rest = stream.read_to_end(within=SHORT_SESSION_CACHE_SECONDS + 8)
    assert b'"reason":"unauthenticated"' in rest


# -- credentials that end: every realtime process lets go at once ------------------------------------

# What the README promises: a held poll or stream whose credential ended is answered within this.
ENDED_WITHIN_SECONDS = 1


@pytest.fixture(scope="module")
def two_realtime_processes(beacon, tmp_path_factory):
    """Two realtime processes of the module's own with production's 30 s credential cache: only a
    revocation, not the cache running out, can end their requests within a second."""
    settings = {"REALTIME_SESSION_CACHE_SECONDS": "30", "REALTIME_SSE_HEARTBEAT_SECONDS": "1"}
    first = _own_realtime(beacon, tmp_path_factory.mktemp("realtime-a"), settings)
    second = _own_realtime(beacon, tmp_path_factory.mktemp("realtime-b"), settings)
    try:
        yield next(first), next(second)
    finally:
        first.close()
        second.close()


def _log_out(beacon, browser, user):
    assert browser.submit("/accounts/profile/", {}, action="/accounts/logout/").status == 302


def _revoke_token(beacon, browser, user):
    """The profile's Revoke, confirmed: the confirmation page's own form."""
    revoke = f"/accounts/profile/tokens/{ApiToken.objects.get(user=user, name='script').pk}/revoke/"
    assert browser.submit(revoke, {}).status == 302


def _replace_token(beacon, browser, user):
    """POST /api/v1/auth/token/ with the name of the token the script uses: that one is replaced."""
    request = urllib.request.Request(
        beacon.base_url + "/api/v1/auth/token/", headers={"Content-Type": "application/json"},
        data=json.dumps({"username": user.username, "password": "alice", "name": "script"}).encode())
    with urllib.request.urlopen(request, timeout=20) as answer:
        assert answer.status == 200




def _change_password(beacon, browser, user):
    user.set_password("a new password of hers")  # what the admin and manage.py changepassword do
    user.save()


def _deactivate(beacon, browser, user):
    user.is_active = False
    user.save()


# (the change, which credential it ends: "session" or "token", and whether her other one lives on)
ENDINGS = {
    "log-out": (_log_out, "session", True),
    "token revoked": (_revoke_token, "token", True),
    "token replaced": (_replace_token, "token", True),
    "password changed": (_change_password, "session", True),  # as in Django: tokens do not hang on the password
    "account made inactive": (_deactivate, "session", False),
}


@pytest.mark.parametrize("ending", list(ENDINGS))
def test_a_credential_that_ends_ends_its_polls_and_streams_on_every_realtime_process_within_a_second(
        beacon, make_user, two_realtime_processes, ending):
    change, ended, other_lives = ENDINGS[ending]
    first, second = two_realtime_processes
    # given alice, logged in in a browser and with an API token for a script
    alice = make_user("alice")
    browser = beacon.browser()
    browser.log_in(alice.username, "alice")
    credentials = {"session": {"Cookie": _cookie_header(browser)},
                   "token": {"Authorization": f"Token {new_key(alice, 'script')}"}}
    new_key(alice, "laptop")  # and a second token, which one ending may revoke
    other = "token" if ended == "session" else "session"
    # and, with the credential that will end, a poll held on one realtime process and a stream open on the other
    cursor = json.loads(_poll_at(first, credentials[ended], "timeout=0").body)["cursor"]
    poll = OpenRequest(first, f"/realtime/poll?cursor={cursor}", credentials[ended])
    stream = OpenRequest(second, f"/realtime/poll?cursor={cursor}",
                         {**credentials[ended], "Accept": "text/event-stream"})
    assert stream.status() == 200
    stream.read_until(b"retry:")
    # and, with her other credential, a poll held too
    other_poll = OpenRequest(second, f"/realtime/poll?cursor={cursor}", credentials[other])
    wait_for(lambda: (_held(first), _held(second)) == (1, 2), message="her poll and stream held")

    # when the credential ends
    change(beacon, browser, alice)

    # then within a second the poll is refused and the stream says why it ends, and ends
    status, body = poll.answer(within=ENDED_WITHIN_SECONDS)
    assert status == 401, body
    assert json.loads(body)["error"] == "unauthenticated"
    rest = stream.read_to_end(within=ENDED_WITHIN_SECONDS)
    assert b'event: end\ndata: {"reason":"unauthenticated"' in rest
    # and her other credential's poll lives on, and gets her next notification, if that credential still stands
    if other_lives:
        deliver(graph_event(alice, "after the credential ended"))
        status, body = other_poll.answer(within=10)
        assert status == 200, body
        assert [e["notification"]["target"]["name"] for e in json.loads(body)["events"]] == [
            "after the credential ended"]
    else:
        status, body = other_poll.answer(within=ENDED_WITHIN_SECONDS)
        assert status == 401, body
    # and the credential that ended gets nothing more, on either process
    for process in (first, second):
        assert _poll_at(process, credentials[ended], "cursor=0&timeout=0").status == 401


def test_revoking_one_named_token_ends_its_polls_at_once_and_no_other_token_s(beacon, make_user,
                                                                             two_realtime_processes):
    # given alice's two scripts, "laptop script" and "lab server", each polling with its own token
    first, second = two_realtime_processes
    alice = make_user("alice")
    laptop = {"Authorization": f"Token {new_key(alice, 'laptop script')}"}
    server = {"Authorization": f"Bearer {new_key(alice, 'lab server')}"}
    cursor = json.loads(_poll_at(first, laptop, "timeout=0").body)["cursor"]
    laptop_poll = OpenRequest(first, f"/realtime/poll?cursor={cursor}", laptop)
    server_poll = OpenRequest(second, f"/realtime/poll?cursor={cursor}", server)
    wait_for(lambda: (_held(first), _held(second)) == (1, 1), message="both scripts' polls held")

    # when she revokes "laptop script" on her profile page (its Revoke, then the confirmation's button)
    browser = beacon.browser()
    browser.log_in(alice.username, "alice")
    profile = browser.get("/accounts/profile/").text
    assert 'aria-label="Revoke token “laptop script”"' in profile
    revoke = f"/accounts/profile/tokens/{ApiToken.objects.get(user=alice, name='laptop script').pk}/revoke/"
    assert "Revoke token “laptop script”?" in browser.get(revoke).text
    assert browser.submit(revoke, {}).status == 302

    # then the laptop's poll is refused within a second, on its process and the other
    status, body = laptop_poll.answer(within=ENDED_WITHIN_SECONDS)
    assert status == 401, body
    for process in (first, second):
        assert _poll_at(process, laptop, "cursor=0&timeout=0").status == 401
    # and the lab server's poll lives on and gets her next notification
    deliver(graph_event(alice, "after the laptop's token went"))
    status, body = server_poll.answer(within=10)
    assert status == 200, body
    assert [e["notification"]["target"]["name"] for e in json.loads(body)["events"]] == [
        "after the laptop's token went"]


# -- PostgreSQL ending the realtime process's connections ---------------------------------------------


def test_polls_answer_as_ever_after_postgresql_ends_the_realtime_connections(beacon, make_user):
    # given people with two notifications each, which only PostgreSQL holds (Redis let go of its copy)
    people = [make_user(f"person{n}") for n in range(8)]
    for person in people:
        deliver(graph_event(person, "first"))
        deliver(graph_event(person, "second"))
        get_redis().delete(events_key(person.pk), state_key(person.pk))
    tokens = {person: new_key(person) for person in people}
    # (and the realtime process with connections open: this poll made them)
    warm_up = _poll(beacon, tokens[people[0]], "cursor=2&timeout=0")
    assert warm_up.status == 200

    # when PostgreSQL ends every connection of the realtime process (a failover, an operator)
    assert _terminate_realtime_connections() >= 1
    wait_for(lambda: _realtime_connections() == 0, message="the realtime process's backends gone")

    # then each person's poll answers as it would have, from fresh connections, with no 500
    for person in people:
        answer = _poll(beacon, tokens[person], "cursor=0&timeout=0")
        assert answer.status == 200, answer.body
        body = json.loads(answer.body)
        assert (body["cursor"], body["unread"]) == (2, 2)
        assert [e["notification"]["target"]["name"] for e in body["events"]] == ["first", "second"]


# -- a publish that never reached Redis ----------------------------------------------------------------

# How often the realtime process of the next test checks its copy of the users it serves against PostgreSQL.
SHORT_CONFIRM_SECONDS = 1


@pytest.fixture
def quick_confirming_realtime(beacon, tmp_path):
    yield from _own_realtime(beacon, tmp_path, {"REALTIME_CONFIRM_SECONDS": str(SHORT_CONFIRM_SECONDS)})


def test_an_event_whose_publish_was_lost_still_reaches_the_held_poll(make_user, quick_confirming_realtime,
                                                                      monkeypatch):
    # given carol's poll held at her first event, which Redis knows (its publish went through)
    carol = make_user("carol")
    deliver(graph_event(carol, "first"))
    token = new_key(carol)
    poll = OpenRequest(quick_confirming_realtime, "/realtime/poll?cursor=1", {"Authorization": f"Token {token}"})
    wait_for(lambda: _held(quick_confirming_realtime) == 1, message="carol's poll held")

    # when a second is committed but its publish never happens (Redis unreachable from the writer just then)
    monkeypatch.setattr("web.notifications.stream._publish", lambda entries: None)
    deliver(graph_event(carol, "second"))

    # then her held poll answers with it all the same, once the process checks PostgreSQL
    poll._sock.settimeout(SHORT_CONFIRM_SECONDS + 10)
    status, body = poll.answer()
    assert status == 200, body
    answer = json.loads(body)
    assert (answer["cursor"], answer["unread"]) == (2, 2)
    assert [e["notification"]["target"]["name"] for e in answer["events"]] == ["second"]


# -- the development router and request bodies ---------------------------------------------------------


# The router's deadline for a request's head: the realtime port's default (REALTIME_REQUEST_HEAD_SECONDS).
ROUTER_HEAD_SECONDS = 10


def test_the_router_closes_a_connection_whose_request_head_trickles_in(beacon):
    # given a client that starts a request to the router and sends one byte of it every half second
    parts = urlsplit(beacon.base_url)
    head = b"GET /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: " + b"a" * 200
    with socket.create_connection((parts.hostname, parts.port), timeout=5) as sock:
        sock.setblocking(False)
        closed_by_server = False
        for offset in range(2 * ROUTER_HEAD_SECONDS * 2):  # the client's own pace, up to twice the deadline
            try:
                if sock.recv(4096) == b"":
                    closed_by_server = True
                    break
            except BlockingIOError:
                pass
            except OSError:
                closed_by_server = True  # reset: its byte crossed the close
                break
            try:
                sock.send(head[offset:offset + 1])
            except OSError:
                closed_by_server = True
                break
            time.sleep(0.5)

    # then the router closed it once the deadline had passed, having answered nothing
    assert closed_by_server, "the router still held a connection whose head had trickled in for twice its deadline"


def test_the_router_passes_on_the_web_processs_413_for_a_body_too_big(beacon, make_user):
    # given bob with an API token
    key = new_key(make_user("bob"))

    # when his script posts a 6 MB graph, past the 5.25 MB the web process reads
    body = b'{"graph_json": "' + b"x" * (6 * 1024 * 1024) + b'"}'
    answer = _send(beacon, "POST", "/api/v1/graphs/", body,
                   {"Authorization": f"Token {key}", "Content-Type": "application/json"})

    # then he gets the web process's own answer, not a 502 from the router
    assert answer.status == 413, answer.body[:300]
    assert json.loads(answer.body)["error"] == "request_too_big"


def test_a_chunked_request_body_reaches_the_web_process(beacon, make_user):
    # given bob with an API token
    bob = make_user("bob")
    key = new_key(bob)
    name = f"Chunked lab {uuid.uuid4().hex[:6]}"

    # when his script sends a new group's JSON in chunks, with no Content-Length
    body = json.dumps({"name": name}).encode()
    answer = _send(beacon, "POST", "/api/v1/groups/", iter([body[:5], body[5:]]),
                   {"Authorization": f"Token {key}", "Content-Type": "application/json"}, chunked=True)

    # then the group is created, as if the body had come in one piece
    assert answer.status == 201, answer.body[:300]
    assert json.loads(answer.body)["name"] == name
    assert Group.objects.filter(name=name, owner=bob).exists()


# -- helpers --------------------------------------------------------------------------------------------


class OpenRequest:
    """A request sent on a socket of its own, as a browser tab holds it: left by closing the socket."""

    def __init__(self, address: tuple[str, int], path: str, headers: dict, timeout: float = 40):
        self._sock = socket.create_connection(address, timeout=timeout)
        lines = [f"GET {path} HTTP/1.1", f"Host: {address[0]}:{address[1]}",
                 *(f"{name}: {value}" for name, value in headers.items())]
        self._sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        self._response = http.client.HTTPResponse(self._sock)
        self._begun = False

    def status(self) -> int:
        if not self._begun:
            self._response.begin()
            self._begun = True
        return self._response.status

    def answer(self, *, within: float | None = None) -> tuple[int, bytes]:
        """The whole answer; with ``within``, fails unless it has come within that many seconds from now."""
        if within is not None:
            self._sock.settimeout(within)
        try:
            status = self.status()
        except TimeoutError:
            self.leave()
            raise AssertionError(f"no answer within {within} s") from None
        try:
            return status, self._response.read()
        finally:
            self.leave()

    def read_until(self, marker: bytes) -> bytes:
        self.status()
        seen = b""
        while marker not in seen:
            chunk = self._response.read1(65536)
            assert chunk, f"the stream ended before {marker!r}: {seen[-500:]!r}"
            seen += chunk
        return seen

    def read_to_end(self, *, within: float) -> bytes:
        """Everything until the server ends the response; fails if it has not within ``within`` seconds."""
        self.status()
        deadline = time.monotonic() + within
        seen = b""
        try:
            while True:
                # (keep-alives come every second: each read gets only what is left of the deadline)
                self._sock.settimeout(max(0.01, deadline - time.monotonic()))
                chunk = self._response.read1(65536)
                if not chunk:
                    return seen
                seen += chunk
                if time.monotonic() >= deadline:
                    raise TimeoutError
        except TimeoutError:
            raise AssertionError(f"the stream was still open after {within} s: {seen[-300:]!r}") from None
        finally:
            self.leave()

    def leave(self) -> None:
        self._response.close()
        self._sock.close()


def _own_realtime(beacon, tmp_path, settings: dict):
    """A realtime process of the test's own, with these settings beside the stack's: its address, while it runs."""
    process = own_realtime(beacon.processes.env, tmp_path, settings)
    port = next(process)
    try:
        yield "127.0.0.1", port
    finally:
        process.close()


def _address(beacon, via: str) -> tuple[str, int]:
    if via == "router":
        parts = urlsplit(beacon.base_url)
        return parts.hostname, parts.port
    return _realtime_address(beacon)


def _realtime_address(beacon) -> tuple[str, int]:
    return "127.0.0.1", int(beacon.processes.env["REALTIME_PORT"])


def _get(address: tuple[str, int], path: str) -> bytes:
    conn = http.client.HTTPConnection(*address, timeout=10)
    try:
        conn.request("GET", path, headers=operator_headers())
        response = conn.getresponse()
        assert response.status == 200, response.status
        return response.read()
    finally:
        conn.close()


def _held(address: tuple[str, int]) -> int:
    return json.loads(_get(address, "/realtime/healthz"))["held_polls"]


def _counter(address: tuple[str, int], sample: str) -> float:
    for line in _get(address, "/realtime/metrics").decode().splitlines():
        if line.startswith(sample + " "):
            return float(line.split()[-1])
    return 0.0


class _Answer:
    def __init__(self, status: int, body: bytes):
        self.status, self.body = status, body


def _send(beacon, method: str, path: str, body, headers: dict, *, chunked: bool = False) -> _Answer:
    parts = urlsplit(beacon.base_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers, encode_chunked=chunked)
        response = conn.getresponse()
        return _Answer(response.status, response.read())
    finally:
        conn.close()


def _poll_at(address: tuple[str, int], headers: dict, query: str) -> _Answer:
    conn = http.client.HTTPConnection(*address, timeout=10)
    try:
        conn.request("GET", f"/realtime/poll?{query}", headers=headers)
        response = conn.getresponse()
        return _Answer(response.status, response.read())
    finally:
        conn.close()


def _cookie_header(browser) -> str:
    return "; ".join(f"{c.name}={c.value}" for c in browser.cookies)


def _session_key(browser) -> str:
    return next(c.value for c in browser.cookies if c.name == settings.SESSION_COOKIE_NAME)


def _poll(beacon, key: str, query: str) -> _Answer:
    return _send(beacon, "GET", f"/realtime/poll?{query}", None, {"Authorization": f"Token {key}"})


def _terminate_realtime_connections() -> int:
    """What an operator's pg_terminate_backend does to the realtime process's connections to this database."""
    with connection.cursor() as cur:
        cur.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    " WHERE application_name = 'beacon-realtime' AND datname = current_database()")
        return cur.fetchone()[0]


def _realtime_connections() -> int:
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_stat_activity"
                    " WHERE application_name = 'beacon-realtime' AND datname = current_database()")
        return cur.fetchone()[0]
