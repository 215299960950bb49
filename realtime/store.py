"""Reading a user's events after a cursor, from PostgreSQL (the truth)."""

import logging
from dataclasses import dataclass, field

from redis.exceptions import RedisError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Batch:
    cursor: int
    unread: int
    events: list[dict] = field(default_factory=list)
    reset: bool = False

    def as_answer(self) -> dict:
        if self.reset:
            return {"reset": True, "cursor": self.cursor, "unread": self.unread}
        return {"cursor": self.cursor, "unread": self.unread, "events": self.events}


class EventStore:
    """Redis first when it can answer exactly (``recent``), PostgreSQL otherwise."""

    def __init__(self, pool, *, stream_table: str, event_table: str, limit: int, recent=None):
        self._pool = pool
        self._recent = recent
        self._limit = limit
        self._stream_sql = f"SELECT last_seq, unread FROM {stream_table} WHERE user_id = %s"
        self._events_sql = (
            f"SELECT seq, type, payload FROM {event_table}"
            " WHERE user_id = %s AND seq > %s AND seq <= %s ORDER BY seq LIMIT %s"
        )

    def read_after(self, user_id: int, cursor: int | None) -> Batch:
        """The events after ``cursor``; ``cursor=None`` asks only where the user is."""
        if self._recent is not None:
            try:
                batch = self._recent.read(user_id, cursor)
            except RedisError:
                log.warning("recent events unavailable in Redis; reading PostgreSQL", exc_info=True)
                batch = None
            if batch is not None:
                return batch
        return self.read_from_database(user_id, cursor)

    def read_from_database(self, user_id: int, cursor: int | None) -> Batch:
        """The same read from PostgreSQL, the truth.

        The stream row is read first: every event numbered up to its
        ``last_seq`` was committed with it, so the events read next are all
        there, and the answer's count matches its cursor.
        """
        with self._pool.connection() as conn, conn.cursor() as cur:
            cur.execute(self._stream_sql, [user_id])
            row = cur.fetchone()
            last_seq, unread = row if row else (0, 0)
            if cursor is None or cursor == last_seq:
                return Batch(cursor=last_seq, unread=unread)
            if cursor > last_seq:
                # A cursor this user never reached: from another user, another
                # database, or made up. Say so rather than wait forever.
                return Batch(cursor=last_seq, unread=unread, reset=True)
            cur.execute(self._events_sql, [user_id, cursor, last_seq, self._limit])
            rows = cur.fetchall()
        if not rows or rows[0][0] != cursor + 1:
            # The events right after the cursor are gone (pruned): the client
            # must reload its state, not silently skip them.
            return Batch(cursor=last_seq, unread=unread, reset=True)
        events = [{"seq": seq, "type": type_, **payload} for seq, type_, payload in rows]
        if events[-1]["seq"] == last_seq:
            return Batch(cursor=last_seq, unread=unread, events=events)
        # A partial page: the count that goes with its last event.
        return Batch(cursor=events[-1]["seq"], unread=events[-1].get("unread", unread), events=events)
