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

from django.db import transaction
from django.utils import timezone

from realtime.publish import StreamEntry, publish_events
from web.notifications.models import StreamEvent, UserStream
from web.redis_client import get_redis

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Change:
    """One event to number for one user, and what it does to their unread count."""

    user_id: int
    type: str
    payload: dict = field(default_factory=dict)
    unread_delta: int = 0
    unread_to: int | None = None  # set the count outright (mark all read)


def append(changes: Sequence[Change], *, streams: dict[int, UserStream] | None = None) -> list[StreamEntry]:
    """Number the changes in their users' streams; ``streams``: from :func:`lock` earlier in this transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("stream.append() must run inside the change's transaction")
    if not changes:
        return []
    if streams is None:
        streams = lock({change.user_id for change in changes})
    entries, rows = [], []
    for change in changes:
        stream = streams[change.user_id]
        stream.last_seq += 1
        unread = change.unread_to if change.unread_to is not None else stream.unread + change.unread_delta
        stream.unread = max(0, unread)
        payload = {"unread": stream.unread, **change.payload}
        rows.append(StreamEvent(user_id=change.user_id, seq=stream.last_seq, type=change.type, payload=payload))
        entries.append(StreamEntry(change.user_id, stream.last_seq, stream.unread,
                                   {"seq": stream.last_seq, "type": change.type, **payload}))
    UserStream.objects.bulk_update([streams[u] for u in {c.user_id for c in changes}], ["last_seq", "unread"])
    StreamEvent.objects.bulk_create(rows)
    transaction.on_commit(lambda: _publish(entries))
    return entries


def lock(user_ids) -> dict[int, UserStream]:
    """Lock these users' streams for the rest of the transaction (made if missing).

    A change that recounts unread notifications locks first, so no delivery
    can slip a new one in between its count and its event.
    """
    user_ids = sorted(set(user_ids))
    UserStream.objects.bulk_create([UserStream(user_id=u) for u in user_ids], ignore_conflicts=True)
    # Locked in user order so two writers never wait on each other in a cycle.
    return {s.user_id: s for s in UserStream.objects.select_for_update().filter(user_id__in=user_ids).order_by("user_id")}


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
        publish_events(get_redis(), entries)
    except Exception:
        # Committed all the same. Polls find the events in PostgreSQL: at
        # their next read, and within the Redis state's lifetime at worst.
        log.warning("could not publish %d stream events to Redis", len(entries), exc_info=True)
