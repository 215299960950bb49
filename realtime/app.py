"""The realtime WSGI application: a user's event stream, by long-poll or Server-Sent Events.

Pure WSGI, run by gunicorn's gevent worker: no Django request, middleware or
view per poll. Routes:

  GET /realtime/poll?cursor=N[&timeout=S]  events after N, held until one arrives
      (the same URL with ``Accept: text/event-stream`` streams them instead)
  GET /realtime/healthz                    liveness; with the operators' token, how many requests are held
  GET /realtime/metrics                    Prometheus text format, with the operators' token (common/operator.py)
  GET /realtime/client.js                  the browser client
"""

import json
import logging
import random
import time
from pathlib import Path

import gevent

from common.operator import is_operator, refusal
from realtime.hangup import watch_hangup
from realtime.protocol import BadRequest, parse_poll, parse_stream_start

log = logging.getLogger(__name__)

# Waiting for the process's first Redis subscription. A poll that arrives
# before it would miss a publish; past this it is answered empty instead.
SUBSCRIBE_WAIT_SECONDS = 5.0
# How soon a client refused for holding too many polls should try again.
TOO_MANY_POLLS_RETRY_AFTER_SECONDS = 5
# What an EventSource waits before reconnecting after the stream ends.
SSE_RETRY_MILLISECONDS = 2000
# An event stream asks again who its credentials name when the answer it got
# stops being trusted (REALTIME_SESSION_CACHE_SECONDS), but no more often than
# this: with the cache turned off, every idle stream would otherwise query
# PostgreSQL in a loop.
STREAM_REAUTH_MIN_SECONDS = 1.0
# The client's socket, where the server says: gunicorn's gevent_pywsgi worker
# (realtime/worker.py) puts it in "gunicorn.sock", its gevent worker in "gunicorn.socket".
CLIENT_SOCKET_KEYS = ("gunicorn.sock", "gunicorn.socket")
# Answers made while the process stops end their connection, so the client's
# next poll reaches another process and this one is not kept waiting for it.
CLOSE_CONNECTION = (("Connection", "close"),)

CLIENT_JS = Path(__file__).with_name("static") / "client.js"
REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
           405: "Method Not Allowed",
           429: "Too Many Requests", 499: "Client Closed Request"}


class RealtimeApp:
    def __init__(self, *, authenticator, store, hub, metrics, hold_seconds: float, hold_jitter_seconds: float,
                 max_polls_per_user: int, sse_heartbeat_seconds: float, confirm_every_seconds: float,
                 operator_token: str = ""):
        self._auth = authenticator
        self._store = store
        self._hub = hub
        self._metrics = metrics
        self._hold_seconds = hold_seconds
        self._hold_jitter_seconds = hold_jitter_seconds
        self._max_polls_per_user = max_polls_per_user
        self._sse_heartbeat_seconds = sse_heartbeat_seconds
        self._confirm_every_seconds = confirm_every_seconds
        self._operator_token = operator_token
        self._confirmer = None
        self._client_js = CLIENT_JS.read_bytes()
        self._draining = False

    def drain(self) -> None:
        """Answer every held request now, and every new one at once: the process is stopping.

        Clients come back with the cursor they got and reach another process;
        nothing is lost because the cursor, not this process, holds their place.
        """
        self._draining = True
        self._hub.wake_all()

    def held_requests(self) -> int:
        return self._hub.held()

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if environ.get("REQUEST_METHOD", "GET") not in ("GET", "HEAD"):
            return self._refuse(start_response, 405, "method_not_allowed", "realtime routes answer GET only",
                                [("Allow", "GET")])
        if path == "/realtime/poll":
            return self._poll(environ, start_response)
        if path == "/realtime/healthz":
            health = {"ok": not self._draining}
            if self._is_operator(environ):  # how busy it is: for operators only
                health["held_polls"] = self._hub.held()
            return _json(start_response, 200, health)
        if path == "/realtime/metrics":
            if not self._is_operator(environ):
                status, body = refusal(self._operator_token)
                return self._refuse(start_response, status, body["error"], body["detail"],
                                    [("WWW-Authenticate", "Bearer")] if status == 401 else ())
            body, content_type = self._metrics.exposition()
            start_response("200 OK", [("Content-Type", content_type), ("Content-Length", str(len(body)))])
            return [body]
        if path == "/realtime/client.js":
            start_response("200 OK", [("Content-Type", "text/javascript; charset=utf-8"),
                                      ("Cache-Control", "public, max-age=300"),
                                      ("Content-Length", str(len(self._client_js)))])
            return [self._client_js]
        return _json(start_response, 404, {"error": "not_found", "detail": f"no realtime route {path}"})

    def _is_operator(self, environ) -> bool:
        return is_operator(environ.get("HTTP_AUTHORIZATION"), self._operator_token)

    def _poll(self, environ, start_response):
        streaming = "text/event-stream" in environ.get("HTTP_ACCEPT", "")
        try:
            if streaming:
                cursor = parse_stream_start(environ.get("QUERY_STRING", ""), environ.get("HTTP_LAST_EVENT_ID"))
            else:
                hold = self._hold_seconds + random.uniform(0, self._hold_jitter_seconds)
                request = parse_poll(environ.get("QUERY_STRING", ""), hold_seconds=hold)
        except BadRequest as exc:
            return self._refuse(start_response, 400, "bad_request", str(exc))
        user_id, trusted_for = self._auth.identify(environ)
        if user_id is None:
            return self._refuse(start_response, 401, "unauthenticated", "log in to receive notifications")
        if streaming:
            return self._stream(environ, start_response, user_id, cursor, trusted_for)
        if request.cursor is None:
            return _answer(start_response, self._store.read_after(user_id, None))
        if self._hub.held_by(user_id) >= self._max_polls_per_user:
            return self._too_many(start_response)
        batch, outcome = self._hold(environ, user_id, request.cursor, request.hold_seconds)
        if outcome == "unauthenticated":
            return self._refuse(start_response, 401, "unauthenticated",
                                "the session or token this poll was made with has ended")
        self._metrics.answered[outcome].inc()
        closing = CLOSE_CONNECTION if self._draining else ()
        if batch is None:
            # Nobody will read this; nginx's code for it tells an access log why the poll ended.
            return _json(start_response, 499, {"error": "client_gone", "detail": "the client closed the connection"},
                         closing)
        return _answer(start_response, batch, closing)

    def _hold(self, environ, user_id: int, cursor: int, hold_seconds: float):
        deadline = time.monotonic() + hold_seconds
        waiter = self._hub.register(user_id)  # before the first read: see realtime/hub.py
        # A client that leaves (a browser changing page) gives its place back
        # at once, not when the hold ends: see realtime/hangup.py.
        hangup = watch_hangup(_client_socket(environ), waiter.hang_up)
        try:
            self._await_subscription(hold_seconds)
            while True:
                if waiter.gone:
                    return None, "gone"
                if waiter.recheck:
                    waiter.recheck = False
                    if self._auth.identify(environ)[0] != user_id:
                        return None, "unauthenticated"
                woken_at = waiter.woken_at
                waiter.clear()
                batch = self._store.read_after(user_id, cursor, learn=True)
                if batch.reset:
                    return batch, "reset"
                if batch.events:
                    if woken_at is not None:
                        self._metrics.wakeup_to_answer.observe(time.monotonic() - woken_at)
                    return batch, "events"
                remaining = deadline - time.monotonic()
                if self._draining:
                    return batch, "draining"
                if remaining <= 0:
                    return batch, "timeout"
                waiter.wait(remaining)
        finally:
            if hangup is not None:
                hangup.stop()
            self._hub.unregister(waiter)

    def _stream(self, environ, start_response, user_id: int, cursor: int | None, trusted_for: float):
        if self._hub.held_by(user_id) >= self._max_polls_per_user:
            return self._too_many(start_response)
        start_response("200 OK", [
            ("Content-Type", "text/event-stream; charset=utf-8"),
            ("Cache-Control", "no-store"),
            ("X-Accel-Buffering", "no"),  # proxies that buffer would hold events back
        ])
        return self._stream_events(environ, user_id, cursor, trusted_for)

    def _stream_events(self, environ, user_id: int, cursor: int | None, trusted_for: float):
        """Events as they come; ``id:`` is the cursor, so a reconnect resumes exactly (Last-Event-ID).

        The stream lasts while its client stays and its credentials still name
        its user: they are checked again whenever the last answer about them
        stops being trusted, as a poll's would be.
        """
        # Registered here, not before the generator starts: only a started
        # generator's ``finally`` runs, and it is what gives the place back.
        waiter = self._hub.register(user_id)
        hangup = watch_hangup(_client_socket(environ), waiter.hang_up)
        ended = "gone"  # unless said otherwise: gunicorn closes the stream when a write fails
        try:
            yield f"retry: {SSE_RETRY_MILLISECONDS}\n\n".encode()
            self._await_subscription(SUBSCRIBE_WAIT_SECONDS)
            if cursor is None:
                batch = self._store.read_after(user_id, None)
                cursor = batch.cursor
                yield _sse("state", {"cursor": batch.cursor, "unread": batch.unread}, event_id=batch.cursor)
            now = time.monotonic()
            reauth_at = now + max(trusted_for, STREAM_REAUTH_MIN_SECONDS)
            heartbeat_at = now + self._sse_heartbeat_seconds
            while True:
                if waiter.gone:
                    return
                if self._draining:
                    ended = "draining"
                    return
                if waiter.recheck:  # one of the user's credentials ended: is it this stream's?
                    waiter.recheck = False
                    reauth_at = 0.0
                if time.monotonic() >= reauth_at:
                    now_user, trusted_for = self._auth.identify(environ)
                    if now_user != user_id:
                        ended = "unauthenticated"
                        yield _sse_end("unauthenticated", "the session or token this stream was opened with has ended")
                        return
                    reauth_at = time.monotonic() + max(trusted_for, STREAM_REAUTH_MIN_SECONDS)
                woken_at = waiter.woken_at
                waiter.clear()
                batch = self._store.read_after(user_id, cursor, learn=True)
                if batch.reset:
                    ended = "reset"
                    yield _sse("reset", batch.as_answer(), event_id=batch.cursor)
                    return
                if batch.events:
                    if woken_at is not None:
                        self._metrics.wakeup_to_answer.observe(time.monotonic() - woken_at)
                    yield b"".join(_sse_raw(raw) for raw in batch.events)
                    cursor = batch.cursor
                    heartbeat_at = time.monotonic() + self._sse_heartbeat_seconds
                    continue
                if waiter.wait(max(0.0, min(heartbeat_at, reauth_at) - time.monotonic())):
                    continue
                if time.monotonic() >= heartbeat_at:
                    # A comment line: keeps proxies from cutting an idle stream.
                    yield b": keep-alive\n\n"
                    heartbeat_at = time.monotonic() + self._sse_heartbeat_seconds
        except Exception:
            ended = "error"
            raise
        finally:
            if hangup is not None:
                hangup.stop()
            self._hub.unregister(waiter)
            self._metrics.streams_ended[ended].inc()

    def _await_subscription(self, at_most: float) -> None:
        self._hub.start()
        if self._confirmer is None:
            self._confirmer = gevent.spawn(self._confirm_forever)
        self._hub.subscribed.wait(min(SUBSCRIBE_WAIT_SECONDS, at_most))

    def _confirm_forever(self) -> None:
        """Check the local copy of the users being served against PostgreSQL, and wake those it was
        behind for (an event whose publish was lost): see realtime/local.py."""
        while True:
            gevent.sleep(self._confirm_every_seconds)
            try:
                for user_id in self._store.confirm_local(self._hub.waiting_users()):
                    self._hub.wake(user_id)
            except Exception:
                log.warning("could not check the local copy against PostgreSQL; trying again later", exc_info=True)

    def _too_many(self, start_response):
        return self._refuse(
            start_response, 429, "too_many_polls",
            f"at most {self._max_polls_per_user} polls per user at once; close some tabs or wait",
            [("Retry-After", str(TOO_MANY_POLLS_RETRY_AFTER_SECONDS))],
        )

    def _refuse(self, start_response, status: int, error: str, detail: str, extra_headers=()):
        self._metrics.refusals[status].inc()
        return _json(start_response, status, {"error": error, "detail": detail}, extra_headers)


def _client_socket(environ):
    for key in CLIENT_SOCKET_KEYS:
        sock = environ.get(key)
        if sock is not None:
            return sock
    return None


def _answer(start_response, batch, extra_headers=()):
    return _send_json(start_response, 200, batch.answer_json(), extra_headers)


def _json(start_response, status: int, body: dict, extra_headers=()):
    return _send_json(start_response, status, json.dumps(body, separators=(",", ":")).encode(), extra_headers)


def _send_json(start_response, status: int, payload: bytes, extra_headers=()):
    start_response(f"{status} {REASONS[status]}", [
        ("Content-Type", "application/json"),
        ("Cache-Control", "no-store"),
        ("Content-Length", str(len(payload))),
        *extra_headers,
    ])
    return [payload]


def _sse(event_type: str, data: dict, *, event_id: int) -> bytes:
    return f"id: {event_id}\nevent: {event_type}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()


def _sse_end(reason: str, detail: str) -> bytes:
    """The last event of a stream that will not resume: no ``id:``, so Last-Event-ID keeps the last real one."""
    return f"event: end\ndata: {json.dumps({'reason': reason, 'detail': detail}, separators=(',', ':'))}\n\n".encode()


def _sse_raw(raw: bytes) -> bytes:
    event = json.loads(raw)
    return b"id: %d\nevent: %s\ndata: %s\n\n" % (event["seq"], event["type"].encode(), raw)
