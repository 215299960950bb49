"""A small PostgreSQL connection pool for a gevent process.

Django's connections are per thread, and under gevent every greenlet is a
thread: thousands of held polls would each open a connection. Here a handful
of autocommit connections are shared, and a greenlet waits its turn for one.
psycopg2 cooperates with gevent only once psycogreen's wait callback is set
(realtime/wsgi.py does that before anything connects).
"""

from contextlib import contextmanager

import gevent.queue
import psycopg2


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

    @contextmanager
    def connection(self):
        conn = self._slots.get()
        try:
            if conn is None or conn.closed:
                conn = psycopg2.connect(**self._kwargs)
                conn.autocommit = True
            yield conn
        except (psycopg2.OperationalError, psycopg2.InterfaceError):
            # A broken connection is dropped; the slot makes a new one next time.
            if conn is not None:
                conn.close()
            conn = None
            raise
        finally:
            self._slots.put(conn)
