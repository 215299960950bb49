"""Publishes an event in the gap between a poll's backlog read and its wait.

Run as ``python -m tests.support.race_probe <user_id> <token> <hold seconds>`` with the
realtime process's environment. It builds the real realtime application
(real PostgreSQL, Redis and subscription), wraps its store so that right
after the poll's first read, and before it waits, an event is delivered and
published through the real pipeline, then makes one poll with a long hold.
It prints the answer and how long it took, as JSON.
"""

from gevent import monkey

monkey.patch_all()

import json
import sys
import time

from django.contrib.auth import get_user_model

from realtime.wsgi import application
from tests.support.events import graph_event
from web.notifications.delivery import deliver


def main(user_id: int, token: str, hold_seconds: int) -> None:
    store = application._store
    read_backlog = store.read_after
    fired = []

    def read_then_publish(uid, cursor, **how):
        batch = read_backlog(uid, cursor, **how)
        if not fired:
            fired.append(batch)
            deliver(graph_event(get_user_model().objects.get(pk=user_id), "in the gap"))
        return batch

    store.read_after = read_then_publish
    statuses = []
    environ = {
        "REQUEST_METHOD": "GET", "PATH_INFO": "/realtime/poll", "QUERY_STRING": f"cursor=0&timeout={hold_seconds}",
        "HTTP_AUTHORIZATION": f"Token {token}",
    }
    started = time.monotonic()
    body = b"".join(application(environ, lambda status, headers: statuses.append(status)))
    print(json.dumps({
        "status": statuses[0],
        "seconds": time.monotonic() - started,
        "backlog_before_publish": [json.loads(raw) for raw in fired[0].events],
        "answer": json.loads(body),
    }))


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2], int(sys.argv[3]))
