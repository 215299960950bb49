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
"""

from django.db.backends.postgresql import base

# Given to the server as the connection opens, after any options of DATABASE_URL's own.
SHORT_QUERIES = "-c max_parallel_workers_per_gather=0 -c jit=off"


class DatabaseWrapper(base.DatabaseWrapper):
    commit_in_doubt = False

    def get_connection_params(self):
        params = super().get_connection_params()
        params["options"] = f"{params.get('options', '')} {SHORT_QUERIES}".strip()
        return params

    def commit(self):
        try:
            super().commit()
        except Exception:
            self.commit_in_doubt = True
            raise
