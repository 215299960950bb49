"""Each user's numbered event stream: the one place sequence numbers are given.

Every change a user must see (a new notification, a change of read state)
goes through :func:`append`, inside the transaction that makes the change, so
the number and the change commit together or not at all. After commit the
events are cached in Redis and the user's polls are woken
(realtime.publish.publish_events).
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from realtime.publish import Channels, StreamEntry, publish_events
from web.notifications.models import StreamEvent, UserStream
from web.postgres.arrays import int_array, json_rows
from web.redis_client import get_redis

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Change:
    """One event to number for one user, and what it does to their unread count."""

    user_id: int
    type: str
    payload: dict = field(default_factory=dict)
    unread_delta: int = 0
    unread_to: int | None = None  # set the count outright (mark all read)
    # The notification a "notification.created" is about: stored by id, its
    # payload not copied into the stream (realtime/store.py reads it back).
    notification_id: int | None = None


class Position:
    """A user's place in their stream, locked for the transaction: the next number and the count."""

    __slots__ = ("user_id", "last_seq", "unread")

    def __init__(self, user_id: int, last_seq: int, unread: int):
        self.user_id, self.last_seq, self.unread = user_id, last_seq, unread


def append(changes: Sequence[Change]) -> list[StreamEntry]:
    """Number the changes in their users' streams (locking them, if not locked yet in this transaction).

    Two statements whatever the number of changes: plain SQL with the rows
    as one JSON parameter, since the ORM's per-object work and psycopg2's
    per-element arrays would cost more than the statements themselves in a
    large delivery.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("stream.append() must run inside the change's transaction")
    if not changes:
        return []
    streams = lock({change.user_id for change in changes})
    entries, events = [], []
    for change in changes:
        stream = streams[change.user_id]
        seq = stream.last_seq = stream.last_seq + 1
        unread = change.unread_to if change.unread_to is not None else stream.unread + change.unread_delta
        unread = stream.unread = unread if unread > 0 else 0
        # A notification's creation is stored without the notification (it is in its rows), published with it.
        stored = {"unread": unread} if change.notification_id is not None else {"unread": unread, **change.payload}
        events.append({"user_id": change.user_id, "seq": seq, "type": change.type, "payload": stored,
                       "notification_id": change.notification_id})
        entries.append(StreamEntry(change.user_id, seq, unread,
                                   {"seq": seq, "type": change.type, "unread": unread, **change.payload}))
    changed = [streams[u] for u in sorted({c.user_id for c in changes})]
    with transaction.get_connection().cursor() as cursor:
        cursor.execute(_UPDATE_STREAMS, [json_rows([{"user_id": s.user_id, "last_seq": s.last_seq, "unread": s.unread}
                                                    for s in changed])])
        cursor.execute(_INSERT_EVENTS, [json_rows(events)])
    transaction.on_commit(lambda: _publish(entries))
    return entries


def lock(user_ids) -> dict[int, Position]:
    """Lock these users' streams for the rest of the transaction (made if missing).

    A change that recounts unread notifications locks first, so no delivery
    can slip a new one in between its count and its event.
    """
    user_ids = sorted(set(user_ids))
    if not user_ids:
        return {}
    with transaction.get_connection().cursor() as cursor:
        cursor.execute(_MAKE_STREAMS, [int_array(user_ids)])
        # Locked in user order so two writers never wait on each other in a cycle.
        cursor.execute(_LOCK_STREAMS, [int_array(user_ids)])
        return {user_id: Position(user_id, last_seq, unread) for user_id, last_seq, unread in cursor.fetchall()}


_STREAMS = UserStream._meta.db_table
_EVENTS = StreamEvent._meta.db_table
_MAKE_STREAMS = (f"INSERT INTO {_STREAMS} (user_id, last_seq, unread) SELECT u, 0, 0 FROM unnest(%s::int[]) AS u"
                 " ON CONFLICT (user_id) DO NOTHING")
_LOCK_STREAMS = (f"SELECT user_id, last_seq, unread FROM {_STREAMS} WHERE user_id = ANY(%s::int[])"
                 " ORDER BY user_id FOR UPDATE")
_UPDATE_STREAMS = (f"UPDATE {_STREAMS} AS s SET last_seq = v.last_seq, unread = v.unread"
                   " FROM json_to_recordset(%s::json) AS v(user_id int, last_seq bigint, unread int)"
                   " WHERE s.user_id = v.user_id")
_INSERT_EVENTS = (f"INSERT INTO {_EVENTS} (user_id, seq, type, payload, notification_id, created)"
                  " SELECT user_id, seq, type, payload, notification_id, now()"
                  " FROM json_to_recordset(%s::json)"
                  " AS v(user_id int, seq bigint, type text, payload jsonb, notification_id bigint)")


def current(user_id: int) -> tuple[int, int]:
    """(cursor, unread) of a user, as a page renders them."""
    return UserStream.objects.filter(user_id=user_id).values_list("last_seq", "unread").first() or (0, 0)


def prune(older_than_days: int) -> int:
    """Forget events past the retention period; a cursor among them gets "reset"."""
    cutoff = timezone.now() - timedelta(days=older_than_days)
    deleted, _ = StreamEvent.objects.filter(created__lt=cutoff).delete()
    return deleted


def _publish(entries: list[StreamEntry]) -> None:
    try:
        publish_events(get_redis(), entries, Channels(settings.REALTIME_CHANNEL_PREFIX))
    except Exception:
        # Committed all the same. Polls find the events in PostgreSQL: at
        # their next read, and within the Redis state's lifetime at worst.
        log.warning("could not publish %d stream events to Redis", len(entries), exc_info=True)
