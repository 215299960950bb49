"""A client's connection to the realtime process itself, as gevent's server (realtime/worker.py) keeps it.

Raw HTTP/1.1 on one socket, straight to a realtime process of the test's own
(no router in between), so what is checked is the realtime process's handling.
"""

import json
import socket
import time

import pytest

from tests.support.events import graph_event
from tests.support.waiting import wait_for
from web.notifications.delivery import deliver

pytestmark = [pytest.mark.stack, pytest.mark.usefixtures("live_db")]


@pytest.fixture
def realtime(beacon, tmp_path):
    yield from _own_realtime(beacon, tmp_path, {})


def _own_realtime(beacon, tmp_path, settings: dict):
    from tests.support.stack import own_realtime

    yield from own_realtime(beacon.processes.env, tmp_path, settings)


@pytest.fixture
def alice_session(beacon, make_user):
    alice = make_user("alice")
    deliver(graph_event(alice, "first"))
    browser = beacon.browser()
    browser.log_in(alice.username, "alice")
    (cookie,) = [c for c in browser.cookies if c.name == "sessionid"]
    return cookie.value


def test_a_request_longer_than_the_read_buffer_is_read_whole(realtime, alice_session):
    # given a browser that sends 6 kB of other cookies before alice's session
    padding = "; ".join(f"pad{n}={'x' * 100}" for n in range(60))
    with _connect(realtime) as sock:
        # when it polls
        sock.sendall(_request("/realtime/poll", cookie=f"{padding}; sessionid={alice_session}"))

        # then the session is found, and the answer is alice's
        status, headers, body = _read_answer(sock)
    assert status == 200
    assert json.loads(body) == {"cursor": 1, "unread": 1, "events": []}


def test_polls_follow_one_another_on_one_connection(realtime, alice_session):
    # given one connection
    with _connect(realtime) as sock:
        # when alice polls three times on it, as the browser client does
        answers = []
        for _ in range(3):
            sock.sendall(_request("/realtime/poll?cursor=1&timeout=0", cookie=f"sessionid={alice_session}"))
            answers.append(_read_answer(sock))

    # then each is answered, and the connection stays open between them
    assert [(status, json.loads(body)) for status, _, body in answers] == [
        (200, {"cursor": 1, "unread": 1, "events": []})] * 3
    assert all(headers.get("connection") != "close" for _, headers, _ in answers)


def test_a_connection_left_idle_after_its_answer_is_closed_by_the_server(realtime, alice_session):
    # given a connection whose poll was answered
    with _connect(realtime) as sock:
        sock.sendall(_request("/realtime/poll?cursor=1&timeout=0", cookie=f"sessionid={alice_session}"))
        assert _read_answer(sock)[0] == 200

        # when the client sends nothing more
        # then the server closes it (after gunicorn's keepalive seconds), not keeping it forever
        sock.settimeout(60)
        assert sock.recv(1) == b"", "the server sent something on an idle connection"


def _connect(port) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    return sock


def _request(path: str, *, cookie: str | None = None) -> bytes:
    lines = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1"]
    if cookie:
        lines.append(f"Cookie: {cookie}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _read_answer(sock) -> tuple[int, dict, bytes]:
    """One HTTP/1.1 answer with a Content-Length: status, headers (lower-cased names), body."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"the connection closed mid-answer: {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {name.strip().lower(): value.strip()
               for name, _, value in (line.partition(":") for line in header_lines)}
    length = int(headers["content-length"])
    while len(body) < length:
        chunk = sock.recv(65536)
        assert chunk, "the connection closed mid-body"
        body += chunk
    return int(status_line.split()[1]), headers, body


# -- clients that hold connections without finishing a request ------------------------------------

SLOW_HEAD_SECONDS = 2
CAP_PER_ADDRESS = 100
SLOW_CLIENTS = 500


@pytest.fixture
def guarded_realtime(beacon, tmp_path):
    """A realtime process of the test's own with a 2 s deadline for a request's head and at most 100
    connections per address, loopback included (no proxy in front)."""
    yield from _own_realtime(beacon, tmp_path, {
        "REALTIME_REQUEST_HEAD_SECONDS": str(SLOW_HEAD_SECONDS),
        "REALTIME_MAX_CONNECTIONS_PER_ADDRESS": str(CAP_PER_ADDRESS), "REALTIME_PROXY_ADDRESSES": "::1",
    })


def test_500_clients_sending_their_heads_a_byte_at_a_time_are_cut_while_a_users_poll_goes_on(
        beacon, guarded_realtime, make_user):
    # given alice, logged in, her poll held, from her own address
    alice = make_user("alice")
    browser = beacon.browser()
    browser.log_in(alice.username, "alice")
    (cookie,) = [c for c in browser.cookies if c.name == "sessionid"]
    her_poll = socket.create_connection(("127.0.0.1", guarded_realtime), timeout=30, source_address=("127.0.0.3", 0))
    her_poll.sendall(_request("/realtime/poll?cursor=0", cookie=f"sessionid={cookie.value}"))
    her_answer = _read_answer(her_poll)  # no cursor: where she stands, at once
    cursor = json.loads(her_answer[2])["cursor"]
    her_poll.sendall(_request(f"/realtime/poll?cursor={cursor}&timeout=20", cookie=f"sessionid={cookie.value}"))

    # when 500 clients on another address each open a connection
    slow = [socket.create_connection(("127.0.0.1", guarded_realtime), timeout=30, source_address=("127.0.0.2", 0))
            for _ in range(SLOW_CLIENTS)]
    answers = {}  # socket -> what the server said before it ended the connection

    def cut(sock) -> bool:
        if sock in answers:
            return True
        sock.setblocking(False)
        try:
            data = sock.recv(4096)
        except BlockingIOError:
            return False
        except OSError:
            data = b""  # reset
        answers[sock] = data
        return True

    # then those past the cap are refused at once, before they send anything
    wait_for(lambda: sum(cut(sock) for sock in slow) >= SLOW_CLIENTS - CAP_PER_ADDRESS,
             message="the connections past the cap refused")
    assert [_status(answer) for answer in answers.values()] == [b"429"] * (SLOW_CLIENTS - CAP_PER_ADDRESS)

    # and when the others send a request's head a byte every half second
    head = b"GET /realtime/poll?cursor=0 HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: " + b"a" * 200
    for offset in range(4 * SLOW_HEAD_SECONDS + 10):  # (the client's own pace, far past the deadline)
        if all(cut(sock) for sock in slow):
            break
        for sock in slow:
            if not cut(sock):
                try:
                    sock.send(head[offset:offset + 1])
                except OSError:
                    pass
        time.sleep(0.5)

    # then each is cut at the deadline: 408, or a reset when its byte crossed the server's close
    still_open = [sock for sock in slow if not cut(sock)]
    assert not still_open, f"{len(still_open)} slow clients still connected"
    cut_at_deadline = [_status(answers[sock]) for sock in slow if _status(answers[sock]) != b"429"]
    assert len(cut_at_deadline) == CAP_PER_ADDRESS
    assert set(cut_at_deadline) <= {b"408", b""} and b"408" in cut_at_deadline
    # and alice's poll was held all along, and answers her next notification
    deliver(graph_event(alice, "after the slow clients"))
    status, _, body = _read_answer(her_poll)
    assert status == 200
    assert [e["notification"]["target"]["name"] for e in json.loads(body)["events"]] == ["after the slow clients"]
    for sock in (*slow, her_poll):
        sock.close()


def _status(answer: bytes) -> bytes:
    return answer.split(b" ", 2)[1] if answer.startswith(b"HTTP/1.1 ") else answer
