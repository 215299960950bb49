"""Reading a user's events after a cursor: from this process's copy, Redis or PostgreSQL."""

import json
import logging
from dataclasses import dataclass

from redis.exceptions import RedisError

from common.notification_text import created_event_payload, reasons_at
from realtime.batch import BatchedLookup

log = logging.getLogger(__name__)


# The tables of Django's that the realtime process reads, by name: it loads
# no model of web/. tests/unit/test_realtime_tables.py holds the models to
# these names and columns.
STREAM_TABLE = "notifications_userstream"  # a user's last seq and unread count
EVENT_TABLE = "notifications_streamevent"  # each numbered event
NOTIFICATION_TABLE = "notifications_notification"  # what a "notification.created" event names
NOTICE_TABLE = "notifications_notice"  # what that notification says
# What the payload of a "notification.created" is built from, beside the event's own columns.
NOTIFICATION_COLUMNS = ("id", "user_id", "reasons_index", "read_at", "mailed_at", "done_at", "saved",
                        "snoozed_until")
NOTICE_COLUMNS = ("kind", "verb", "actor_name", "target_type", "target_id", "target_name", "graph_id", "graph_name",
                  "group_id", "group_name", "member_id", "member_name", "old_name", "link", "created", "group_key",
                  "reasons")


class _StoredNotification:
    """A notification read back by name, with the fields common.notification_text reads."""

    def __init__(self, values):
        for name, value in zip(NOTIFICATION_COLUMNS + NOTICE_COLUMNS, values, strict=True):
            setattr(self, name, value)
        self.reasons = reasons_at(self.reasons, self.reasons_index)


@dataclass(frozen=True)
class Batch:
    """An answer: ``events`` are each event's JSON exactly as served, spliced, never re-encoded."""

    cursor: int
    unread: int
    events: tuple[bytes, ...] = ()
    reset: bool = False

    def answer_json(self) -> bytes:
        if self.reset:
            return b'{"reset":true,"cursor":%d,"unread":%d}' % (self.cursor, self.unread)
        return b'{"cursor":%d,"unread":%d,"events":[%s]}' % (self.cursor, self.unread, b",".join(self.events))

    def as_answer(self) -> dict:
        return json.loads(self.answer_json())


class EventStore:
    """The first source that can answer exactly: ``local`` (this process's copy of
    what pub/sub brought), then where PostgreSQL says the user stands (one
    query for the many polls asking at once), and only when there are events
    after the cursor, ``recent`` (Redis), then PostgreSQL, the truth."""

    def __init__(self, pool, *, stream_table: str = STREAM_TABLE, event_table: str = EVENT_TABLE, limit: int,
                 recent=None, local=None):
        self._pool = pool
        self._recent = recent
        self._local = local
        self._limit = limit
        self._stream_sql = f"SELECT last_seq, unread FROM {stream_table} WHERE user_id = %s"
        self._streams_sql = f"SELECT user_id, last_seq, unread FROM {stream_table} WHERE user_id = ANY(%s)"
        self._positions = BatchedLookup(pool, self._read_positions)
        # A "notification.created" names its notification: its payload is
        # built from that row and its notice, as delivery built it.
        columns = ", ".join([*(f"r.{c}" for c in NOTIFICATION_COLUMNS), *(f"n.{c}" for c in NOTICE_COLUMNS)])
        self._events_sql = (
            f"SELECT e.seq, e.type, e.payload, {columns} FROM {event_table} e"
            f" LEFT JOIN {NOTIFICATION_TABLE} r ON r.id = e.notification_id"
            f" LEFT JOIN {NOTICE_TABLE} n ON n.id = r.notice_id"
            " WHERE e.user_id = %s AND e.seq > %s AND e.seq <= %s ORDER BY e.seq LIMIT %s"
        )

    def read_after(self, user_id: int, cursor: int | None, *, learn: bool = False) -> Batch:
        """The events after ``cursor``; ``cursor=None`` asks only where the user is.

        ``learn``: the caller registered as waiting before this read, so what
        PostgreSQL says may be kept in the local copy (realtime/local.py).
        """
        local = self._local
        if local is not None and cursor is not None:
            batch = local.read(user_id, cursor, self._limit)
            if batch is not None:
                return batch
        epoch = local.epoch if local is not None else None
        # Where the user stands is PostgreSQL's to say, not Redis's: a Redis state ahead of the
        # database (one restored, or a failover that lost its last commits) would number the next
        # events below a cursor handed out, and hide them.
        last_seq, unread = self._positions.get(user_id) or (0, 0)
        if cursor is None or cursor == last_seq:
            if learn and local is not None:
                local.learn(user_id, last_seq, unread, epoch)
            return Batch(cursor=last_seq, unread=unread)
        if cursor > last_seq:
            # A cursor this user never reached: from another user, another
            # database, or made up. Say so rather than wait forever.
            return Batch(cursor=last_seq, unread=unread, reset=True)
        if self._recent is not None:
            try:
                batch = self._recent.read(user_id, cursor)
            except RedisError:
                log.warning("recent events unavailable in Redis; reading PostgreSQL", exc_info=True)
                batch = None
            if batch is not None and batch.events:
                return batch
            # Nothing there, or Redis behind the database (a publish that failed): PostgreSQL's events.
        return self.read_from_database(user_id, cursor)

    def confirm_local(self, user_ids) -> list[int]:
        """Check the local copy of these users against PostgreSQL (batched queries); the users it was
        behind for (dropped from it: their polls should read again)."""
        local = self._local
        if local is None:
            return []
        epoch = local.epoch
        results = {user_id: self._positions.ask(user_id) for user_id in user_ids}
        behind = []
        for user_id, result in results.items():
            position = result.get()
            if local.confirm(user_id, position[0] if position else 0, epoch):
                behind.append(user_id)
        return behind

    def _read_positions(self, cur, user_ids: list[int]) -> dict[int, tuple[int, int]]:
        cur.execute(self._streams_sql, [user_ids])
        return {user_id: (last_seq, unread) for user_id, last_seq, unread in cur.fetchall()}

    def read_from_database(self, user_id: int, cursor: int | None) -> Batch:
        """The same read from PostgreSQL, the truth.

        The stream row is read first: every event numbered up to its
        ``last_seq`` was committed with it, so the events read next are all
        there, and the answer's count matches its cursor.
        """
        last_seq, unread, rows = self._pool.run(lambda cur: self._read(cur, user_id, cursor))
        if rows is None:
            if cursor is None or cursor == last_seq:
                return Batch(cursor=last_seq, unread=unread)
            # A cursor this user never reached: from another user, another
            # database, or made up. Say so rather than wait forever.
            return Batch(cursor=last_seq, unread=unread, reset=True)
        if not rows or rows[0][0] != cursor + 1:
            # The events right after the cursor are gone (pruned): the client
            # must reload its state, not silently skip them.
            return Batch(cursor=last_seq, unread=unread, reset=True)
        events = tuple(json.dumps({"seq": seq, "type": type_, **_payload(payload, notification)},
                                  separators=(",", ":")).encode()
                       for seq, type_, payload, *notification in rows)
        if rows[-1][0] == last_seq:
            return Batch(cursor=last_seq, unread=unread, events=events)
        # A partial page: the count that goes with its last event.
        return Batch(cursor=rows[-1][0], unread=rows[-1][2].get("unread", unread), events=events)

    def _read(self, cur, user_id: int, cursor: int | None):
        """``(last_seq, unread, rows)``; ``rows`` is None when there is nothing to read after ``cursor``."""
        cur.execute(self._stream_sql, [user_id])
        row = cur.fetchone()
        last_seq, unread = row if row else (0, 0)
        if cursor is None or cursor >= last_seq:
            return last_seq, unread, None
        cur.execute(self._events_sql, [user_id, cursor, last_seq, self._limit])
        return last_seq, unread, cur.fetchall()


def _payload(stored: dict, notification: list) -> dict:
    if notification[0] is None:
        return stored  # not a notification's creation, or one stored whole (before notices)
    return {**stored, **created_event_payload(_StoredNotification(notification))}
