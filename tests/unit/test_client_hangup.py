"""A held request learns at once that its client has gone, and only then (realtime/hangup.py)."""

import time

import gevent
import gevent.event
import gevent.socket

from realtime.hangup import GONE, NOTHING_YET, THERE, peek, watch_hangup

# A bound on waiting for the event loop's callback: the wait ends as soon as it comes.
DEADLINE_SECONDS = 5


def run_loop_until(condition) -> bool:
    """Let gevent's loop run (where the watch's callback runs) until ``condition()``, or the deadline."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not condition():
        if time.monotonic() >= deadline:
            return False
        gevent.sleep(0.01)
    return True


def test_a_client_closing_its_connection_is_noticed():
    server, client = gevent.socket.socketpair()
    gone = gevent.event.Event()
    watch = watch_hangup(server, gone.set)
    try:
        client.close()
        assert gone.wait(DEADLINE_SECONDS), "the hang-up was not noticed"
        assert not watch.watching
    finally:
        watch.stop()
        server.close()


def test_a_client_sending_its_next_request_is_still_there_and_no_longer_watched():
    # given a held request's socket, watched
    server, client = gevent.socket.socketpair()
    gone = gevent.event.Event()
    watch = watch_hangup(server, gone.set)
    try:
        # when the client pipelines its next request
        client.sendall(b"GET /realtime/poll?cursor=3 HTTP/1.1\r\n\r\n")

        # then the watch stops, having taken none of the bytes, and a later close is not its business
        assert run_loop_until(lambda: not watch.watching), "the watch did not notice the bytes"
        assert peek(server.fileno()) == THERE
        client.close()
        assert not gone.is_set()
        assert server.recv(100).startswith(b"GET /realtime/poll?cursor=3")
    finally:
        watch.stop()
        server.close()


def test_a_watch_stopped_when_the_request_is_answered_never_calls_back():
    server, client = gevent.socket.socketpair()
    gone = gevent.event.Event()
    watch = watch_hangup(server, gone.set)
    watch.stop()
    client.close()
    assert not watch.watching and not gone.is_set()
    server.close()


def test_a_peek_tells_a_quiet_client_from_a_gone_one():
    server, client = gevent.socket.socketpair()
    try:
        assert peek(server.fileno()) == NOTHING_YET
        client.close()
        assert peek(server.fileno()) == GONE
    finally:
        server.close()


def test_there_is_nothing_to_watch_without_a_socket():
    assert watch_hangup(None, lambda: None) is None
