"""A small PostgreSQL connection pool for a gevent process.

Django's connections are per thread, and under gevent every greenlet is a
thread: thousands of held polls would each open a connection. Here a handful
of autocommit connections are shared, and a greenlet waits its turn for one.
psycopg2 cooperates with gevent only once psycogreen's wait callback is set
(realtime/wsgi.py does that before anything connects).
"""

import logging

import gevent.queue
import psycopg2

log = logging.getLogger(__name__)


def connect_kwargs(database: dict) -> dict:
    """psycopg2 keyword arguments from a Django DATABASES entry."""
    kwargs = {"dbname": database["NAME"], "connect_timeout": 5, "application_name": "beacon-realtime"}
    for django_key, pg_key in (("USER", "user"), ("PASSWORD", "password"), ("HOST", "host"), ("PORT", "port")):
        if database.get(django_key):
            kwargs[pg_key] = database[django_key]
    kwargs.update(database.get("OPTIONS", {}))
    return kwargs


class ConnectionPool:
    def __init__(self, kwargs: dict, size: int):
        self._kwargs = kwargs
        self._slots = gevent.queue.Queue(maxsize=size)
        for _ in range(size):
            self._slots.put(None)  # None: a slot whose connection is not made yet

    def run(self, work):
        """``work(cursor)`` on a pooled connection; its result.

        A pooled connection can die while it sits idle: PostgreSQL restarted,
        or an operator ended its backend (pg_terminate_backend). The request
        that finds it dead should not pay for it with a 500, so the connection
        is replaced and ``work`` runs once more on a new one (not on the next
        pooled one: what ended one connection, a failover, has likely ended
        them all). Every caller gets this by passing its queries as ``work``,
        which therefore must be safe to run twice (here they are all reads).
        A new connection that fails, or any other error, is raised as it is.
        """
        try:
            return self._run_once(work, first_try=True)
        except _FoundDead:
            log.warning("a pooled PostgreSQL connection had died; retrying on a new one")
            return self._run_once(work, first_try=False)

    def _run_once(self, work, *, first_try: bool):
        conn = self._slots.get()
        if conn is not None and (conn.closed or not first_try):
            conn.close()
            conn = None  # known dead already, or this is the retry: a new connection
        reused = conn is not None  # (only ever on a first try)
        try:
            if conn is None:
                conn = psycopg2.connect(**self._kwargs)
                conn.autocommit = True
            with conn.cursor() as cur:
                return work(cur)
        except psycopg2.Error:
            if conn is None or not conn.closed:
                raise  # connecting failed, or the query did: the connection is fine
            conn = None  # dead: the slot makes a new one next time
            if reused:
                raise _FoundDead() from None
            raise
        finally:
            self._slots.put(conn)


class _FoundDead(Exception):
    """A connection taken from the pool turned out dead: worth one more try, on a new one."""
