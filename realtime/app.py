"""The realtime WSGI application: long-poll answers from a user's event stream.

Pure WSGI, run by gunicorn's gevent worker: no Django request, middleware or
view per poll. Routes:

  GET /realtime/poll?cursor=N[&timeout=S]  events after N, held until one arrives
  GET /realtime/healthz                    liveness, and how many polls are held
  GET /realtime/client.js                  the browser client
"""

import json
import logging
import random
import time
from pathlib import Path

from realtime.protocol import BadRequest, parse_poll

log = logging.getLogger(__name__)

# Waiting for the process's first Redis subscription. A poll that arrives
# before it would miss a publish; past this it is answered empty instead.
SUBSCRIBE_WAIT_SECONDS = 5.0

CLIENT_JS = Path(__file__).with_name("static") / "client.js"


class RealtimeApp:
    def __init__(self, *, authenticator, store, hub, hold_seconds: float, hold_jitter_seconds: float):
        self._auth = authenticator
        self._store = store
        self._hub = hub
        self._hold_seconds = hold_seconds
        self._hold_jitter_seconds = hold_jitter_seconds
        self._client_js = CLIENT_JS.read_bytes()
        self._draining = False

    def drain(self) -> None:
        """Answer every held poll now, and every new one at once: the process is stopping.

        Clients re-poll with the cursor they got and reach another process;
        nothing is lost because the cursor, not this process, holds their place.
        """
        self._draining = True
        self._hub.wake_all()

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == "/realtime/poll":
            if method != "GET":
                return _json(start_response, 405, {"error": "method_not_allowed", "detail": "poll with GET"},
                             [("Allow", "GET")])
            return self._poll(environ, start_response)
        if path == "/realtime/healthz":
            return _json(start_response, 200, {"ok": True, "held_polls": self._hub.held()})
        if path == "/realtime/client.js":
            start_response("200 OK", [("Content-Type", "text/javascript; charset=utf-8"),
                                      ("Cache-Control", "public, max-age=300"),
                                      ("Content-Length", str(len(self._client_js)))])
            return [self._client_js]
        return _json(start_response, 404, {"error": "not_found", "detail": f"no realtime route {path}"})

    def _poll(self, environ, start_response):
        hold = self._hold_seconds + random.uniform(0, self._hold_jitter_seconds)
        try:
            request = parse_poll(environ.get("QUERY_STRING", ""), hold_seconds=hold)
        except BadRequest as exc:
            return _json(start_response, 400, {"error": "bad_request", "detail": str(exc)})
        user_id = self._auth.user_id(environ)
        if user_id is None:
            return _json(start_response, 401, {"error": "unauthenticated", "detail": "log in to receive notifications"})
        if request.cursor is None:
            return _json(start_response, 200, self._store.read_after(user_id, None).as_answer())
        return _json(start_response, 200, self._hold(user_id, request.cursor, request.hold_seconds).as_answer())

    def _hold(self, user_id: int, cursor: int, hold_seconds: float):
        deadline = time.monotonic() + hold_seconds
        self._hub.start()
        self._hub.subscribed.wait(min(SUBSCRIBE_WAIT_SECONDS, hold_seconds))
        waiter = self._hub.register(user_id)
        try:
            while True:
                waiter.clear()
                batch = self._store.read_after(user_id, cursor)
                if batch.events or batch.reset or self._draining:
                    return batch
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return batch
                waiter.wait(remaining)
        finally:
            self._hub.unregister(user_id, waiter)


def _json(start_response, status: int, body: dict, extra_headers=()):
    payload = json.dumps(body, separators=(",", ":")).encode()
    reason = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 405: "Method Not Allowed"}[status]
    start_response(f"{status} {reason}", [
        ("Content-Type", "application/json"),
        ("Cache-Control", "no-store"),
        ("Content-Length", str(len(payload))),
        *extra_headers,
    ])
    return [payload]
