"""Django's PostgreSQL backend, plus one fact: whether a commit failed in doubt; and plans for short queries.

A connection cut while COMMIT is on its way leaves the client unable to know
whether the transaction committed. Every other failure of a lost connection
rolls its transaction back for certain. web.retry retries a request only in
the second case (or when an Idempotency-Key makes a retry safe anyway).

Beacon's queries stop at a page, a batch or one user's rows; PostgreSQL
plans from estimates of the whole walk, and for a heavy user's walk it would
start worker processes, or compile the query to machine code (JIT), either
of which costs far more than the page. Both off, set once per connection as
it opens: no statement per request.

A server that is restarting refuses connections for a few seconds. A new
connection waits for it, up to DATABASE_CONNECT_WAIT_SECONDS, rather than
fail at once: a request or a task that came in meanwhile is answered late,
not with a 500 (with web.retry, so is one whose connection the restart cut).
Only the errors of a server not there yet are waited out; a refused login or
a missing database fails at once.
"""

import logging
import time

from django.conf import settings
from django.db.backends.postgresql import base

log = logging.getLogger(__name__)

# What libpq says when nothing (or a server starting or stopping) answers at the address.
SERVER_NOT_THERE = ("connection refused", "the database system is starting up", "the database system is shutting down",
                    "the database system is in recovery mode", "server closed the connection unexpectedly",
                    "timeout expired", "no route to host")
RETRY_EVERY_SECONDS = 0.25

# Given to the server as the connection opens, after any options of DATABASE_URL's own.
SHORT_QUERIES = "-c max_parallel_workers_per_gather=0 -c jit=off"


class DatabaseWrapper(base.DatabaseWrapper):
    commit_in_doubt = False

    def get_connection_params(self):
        params = super().get_connection_params()
        params["options"] = f"{params.get('options', '')} {SHORT_QUERIES}".strip()
        return params

    def get_new_connection(self, conn_params):
        deadline = time.monotonic() + settings.DATABASE_CONNECT_WAIT_SECONDS
        waited = False
        while True:
            try:
                connection = super().get_new_connection(conn_params)
            except base.Database.OperationalError as error:
                if time.monotonic() + RETRY_EVERY_SECONDS > deadline or not _server_not_there(error):
                    raise
                if not waited:
                    log.warning("PostgreSQL does not answer (%s); waiting up to %g s for it",
                                str(error).strip().splitlines()[0], settings.DATABASE_CONNECT_WAIT_SECONDS)
                    waited = True
                time.sleep(RETRY_EVERY_SECONDS)
                continue
            if waited:
                log.warning("PostgreSQL answers again")
            return connection

    def commit(self):
        try:
            super().commit()
        except Exception:
            self.commit_in_doubt = True
            raise


def _server_not_there(error) -> bool:
    text = str(error).lower()
    return any(phrase in text for phrase in SERVER_NOT_THERE)
