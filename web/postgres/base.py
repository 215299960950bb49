"""Django's PostgreSQL backend, plus one fact: whether a commit failed in doubt.

A connection cut while COMMIT is on its way leaves the client unable to know
whether the transaction committed. Every other failure of a lost connection
rolls its transaction back for certain. web.retry retries a request only in
the second case (or when an Idempotency-Key makes a retry safe anyway).
"""

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    commit_in_doubt = False

    def commit(self):
        try:
            super().commit()
        except Exception:
            self.commit_in_doubt = True
            raise
