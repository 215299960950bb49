"""The realtime process's PostgreSQL pool: a connection PostgreSQL has ended costs a retry, not an error."""

import psycopg2
import pytest

from realtime import db
from realtime.db import ConnectionPool


class FakeServer:
    """Stands in for PostgreSQL: hands out connections, and can end them all as a failover would."""

    def __init__(self):
        self.connections = []
        self.refusing = False

    def connect(self, **kwargs):
        if self.refusing:
            raise psycopg2.OperationalError("could not connect to server")
        conn = FakeConnection()
        self.connections.append(conn)
        return conn

    def end_every_connection(self):
        for conn in self.connections:
            conn.ended = True


class FakeConnection:
    def __init__(self):
        self.closed = 0
        self.ended = False
        self.autocommit = False

    def cursor(self):
        return FakeCursor(self)

    def close(self):
        self.closed = 1


class FakeCursor:
    def __init__(self, conn):
        self.conn = conn

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def execute(self, sql, params=None):
        if self.conn.ended:
            self.conn.closed = 2  # what psycopg2 does when it finds the server gone
            raise psycopg2.OperationalError("server closed the connection unexpectedly")
        if sql == "bad sql":
            raise psycopg2.errors.SyntaxError("syntax error")
        self.answer = (self.conn, sql)

    def fetchone(self):
        return self.answer


@pytest.fixture
def server(monkeypatch):
    fake = FakeServer()
    monkeypatch.setattr(db.psycopg2, "connect", fake.connect)
    return fake


def query(sql="SELECT 1"):
    def work(cur):
        cur.execute(sql)
        return cur.fetchone()

    return work


def test_a_connection_is_made_once_and_reused(server):
    pool = ConnectionPool({}, size=1)
    first, _ = pool.run(query())
    second, _ = pool.run(query())
    assert first is second
    assert len(server.connections) == 1


def test_after_postgresql_ends_every_connection_each_query_still_answers_on_a_new_one(server):
    # given a pool of three connections, all made
    pool = ConnectionPool({}, size=3)
    for _ in range(3):
        pool.run(query())
    old = list(server.connections)

    # when PostgreSQL ends them all, and queries come
    server.end_every_connection()
    answers = [pool.run(query()) for _ in range(4)]

    # then every query answers, none of them on a connection that was ended
    assert all(conn not in old for conn, _ in answers)
    assert all(conn.closed for conn in old)


def test_a_query_that_fails_on_a_live_connection_is_not_retried(server):
    pool = ConnectionPool({}, size=1)
    pool.run(query())
    with pytest.raises(psycopg2.errors.SyntaxError):
        pool.run(query("bad sql"))
    # and the connection, still good, serves the next query
    conn, _ = pool.run(query())
    assert conn is server.connections[0]


def test_a_database_that_cannot_be_reached_is_an_error_not_a_loop(server):
    pool = ConnectionPool({}, size=2)
    pool.run(query())
    server.end_every_connection()
    server.refusing = True
    with pytest.raises(psycopg2.OperationalError, match="could not connect"):
        pool.run(query())
    # and the pool is whole again once PostgreSQL is back
    server.refusing = False
    assert pool.run(query())[1] == "SELECT 1"
