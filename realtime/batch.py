"""Look-ups that many held requests make at once, answered by one query.

When thousands of clients connect together (a worker restarting, a network
coming back), each poll needs its credential and its user's position looked
up. One query each would be a round trip per poll, and as many greenlets
queued for the database pool. Here a look-up joins the batch that forms
while the current query runs, and one query (``WHERE key = ANY(...)``)
answers them all. A lone look-up costs one query still: its batch is sent as
soon as the asking greenlet yields.
"""

from itertools import islice

import gevent
import gevent.event

# Keys per query: large enough that a burst of connections costs a few
# queries, small enough that one query stays a few milliseconds.
MAX_KEYS_PER_QUERY = 1000


class BatchedLookup:
    """``fetch_many(cursor, keys) -> {key: value}`` run on ``pool`` for every batch of keys asked for.

    A key the query does not return gets ``None``. A query that fails fails
    every look-up of its batch, with the same exception.
    """

    def __init__(self, pool, fetch_many, *, max_keys: int = MAX_KEYS_PER_QUERY, spawn=gevent.spawn):
        self._pool = pool
        self._fetch_many = fetch_many
        self._max_keys = max_keys
        self._spawn = spawn
        self._pending: dict = {}
        self._flushing = False

    def ask(self, key) -> gevent.event.AsyncResult:
        """The look-up of ``key`` as a result to wait on, or to be told of (``rawlink``)."""
        result = self._pending.get(key)
        if result is None:
            result = self._pending[key] = gevent.event.AsyncResult()
            if not self._flushing:
                self._flushing = True
                self._spawn(self._flush)
        return result

    def get(self, key):
        """The value for ``key``: waits for its batch's query."""
        return self.ask(key).get()

    def _flush(self) -> None:
        try:
            while self._pending:
                keys = list(islice(self._pending, self._max_keys))
                results = [self._pending.pop(key) for key in keys]
                try:
                    found = self._pool.run(lambda cur, keys=keys: self._fetch_many(cur, keys))
                except Exception as exc:
                    for result in results:
                        result.set_exception(exc)
                else:
                    for key, result in zip(keys, results, strict=True):
                        result.set(found.get(key))
        finally:
            self._flushing = False
