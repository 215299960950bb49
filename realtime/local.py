"""This process's copy of the events pub/sub brought, for the users it serves.

Each PUBLISH carries the event with its seq (realtime.publish). While the
process's subscription stays up, Redis delivers every publish to it in order,
so for a user it is serving the copy here is as current as Redis itself: a
woken poll answers from it, and a re-poll learns there is nothing newer,
without a round trip. The copy is trusted only where it is exact: a gap (a
publish lost in flight, or reordered), a cursor it does not know, or a user
quiet for longer than STATE_TTL_SECONDS sends the read on to Redis or
PostgreSQL, as the cached state in Redis would. The subscriber clears it
whenever the subscription is re-established, since publishes in the gap are
lost.

A poll that registered as waiting before reading PostgreSQL also
teaches the copy where its user stands (:meth:`LocalCopy.learn`): every later
event is published after that read, so the subscription will bring it. An
idle user's re-polls are then answered here, with no query at all.

One thing pub/sub cannot tell: an event committed whose publish failed (Redis
unreachable from the writer for a moment). So the copy of the users being
served is checked against PostgreSQL in the background, all of them in a few
batched queries every REALTIME_CONFIRM_SECONDS (:meth:`LocalCopy.confirm`,
run by realtime.app): a user found behind is dropped from the copy and their
polls woken to read again. That bounds how late such an event can be, without
a query per re-poll; a copy no check has confirmed for STATE_TTL_SECONDS is
not trusted at all.
"""

import json
import time

from realtime.publish import STATE_TTL_SECONDS
from realtime.store import Batch

# Events kept per user: enough for bursts between two polls.
EVENTS_KEPT_PER_USER = 32
# How often expired users are swept out, counted in added events.
SWEEP_EVERY = 1000


class _UserCopy:
    __slots__ = ("seq", "unread", "events", "updated_at")

    def __init__(self):
        self.seq = 0
        self.unread = 0
        self.events: dict[int, bytes] = {}
        self.updated_at = 0.0


class LocalCopy:
    def __init__(self, *, ttl: float = STATE_TTL_SECONDS, clock=time.monotonic):
        self._ttl = ttl
        self._clock = clock
        self._users: dict[int, _UserCopy] = {}
        self._added = 0
        self._epoch = 0

    @property
    def epoch(self) -> int:
        """Changes whenever the copy is cleared; a read taken before a change teaches nothing after it."""
        return self._epoch

    def knows(self, user_id: int) -> bool:
        return user_id in self._users

    def add(self, user_id: int, seq: int, unread: int, raw: bytes) -> None:
        copy = self._users.get(user_id)
        if copy is None:
            copy = self._users[user_id] = _UserCopy()
        copy.events[seq] = raw
        if seq > copy.seq:
            copy.seq, copy.unread = seq, unread
        if len(copy.events) > EVENTS_KEPT_PER_USER:
            for old in sorted(copy.events)[:-EVENTS_KEPT_PER_USER]:
                del copy.events[old]
        copy.updated_at = self._clock()
        self._added += 1
        if self._added % SWEEP_EVERY == 0:
            self.sweep()

    def learn(self, user_id: int, seq: int, unread: int, epoch: int) -> None:
        """Where PostgreSQL said the user stood, read in ``epoch`` by a poll that was already waiting.

        Only forwards: the copy may already hold newer publishes. Nothing is
        learnt across a clear (the subscription was re-made: publishes after
        the read may have been lost).
        """
        if epoch != self._epoch:
            return
        copy = self._users.get(user_id)
        if copy is None:
            copy = self._users[user_id] = _UserCopy()
        elif seq <= copy.seq:
            return
        copy.seq, copy.unread = seq, unread
        copy.updated_at = self._clock()

    def confirm(self, user_id: int, seq: int, epoch: int) -> bool:
        """What PostgreSQL says of the user, read in ``epoch`` after the copy was: False while the copy holds
        at least ``seq`` (it is trusted anew), True when it is behind (it is dropped: the caller wakes the
        user's polls, which read again from Redis or PostgreSQL)."""
        if epoch != self._epoch:
            return False  # cleared since the read: nothing is trusted that the read would confirm
        copy = self._users.get(user_id)
        if copy is None:
            return False
        if seq > copy.seq:
            del self._users[user_id]
            return True
        copy.updated_at = self._clock()
        return False

    def read(self, user_id: int, cursor: int, limit: int) -> Batch | None:
        copy = self._users.get(user_id)
        if copy is None or self._clock() - copy.updated_at > self._ttl or cursor > copy.seq:
            return None
        if cursor == copy.seq:
            return Batch(cursor=copy.seq, unread=copy.unread)
        last = min(copy.seq, cursor + limit)
        events = []
        for seq in range(cursor + 1, last + 1):
            raw = copy.events.get(seq)
            if raw is None:
                return None  # not all here: ask Redis or PostgreSQL
            events.append(raw)
        if last == copy.seq:
            return Batch(cursor=copy.seq, unread=copy.unread, events=tuple(events))
        return Batch(cursor=last, unread=json.loads(events[-1])["unread"], events=tuple(events))

    def clear(self) -> None:
        self._users.clear()
        self._epoch += 1

    def sweep(self) -> None:
        cutoff = self._clock() - self._ttl
        for user_id in [u for u, c in self._users.items() if c.updated_at < cutoff]:
            del self._users[user_id]
