"""Held polls wait here; one Redis subscription per process wakes them.

The subscriber greenlet listens on every user's channel through one pattern
subscription on one connection, whatever the number of held polls, and sets
the waiters of that user. A waiter is registered before its poll reads the
backlog and cleared before each re-read, so a publish that lands between the
read and the wait still wakes it.
"""

import logging
import time
from collections import defaultdict

import gevent
import gevent.event

from realtime.local import LocalCopy
from realtime.publish import REVOKED, Channels
from realtime.subscriber import PING_EVERY_SECONDS, Subscription

log = logging.getLogger(__name__)

# Retry a lost Redis subscription quickly at first, then no faster than this:
# held polls still answer at their hold timeout meanwhile.
RESUBSCRIBE_MAX_DELAY_SECONDS = 5.0


class Waiter:
    """One held request of one user; ``woken_at`` says when its wake-up came,
    ``gone`` that its client closed the connection (realtime/hangup.py),
    ``recheck`` that its credentials must be checked again before it answers
    (one of the user's credentials ended, or a revocation may have been missed)."""

    __slots__ = ("user_id", "_event", "woken_at", "gone", "recheck")

    def __init__(self, user_id: int):
        self.user_id = user_id
        self._event = gevent.event.Event()
        self.woken_at: float | None = None
        self.gone = False
        self.recheck = False

    def revoke(self) -> None:
        self.recheck = True
        self._event.set()

    def wake(self, now: float) -> None:
        if self.woken_at is None:
            self.woken_at = now
        self._event.set()

    def hang_up(self) -> None:
        """The client has gone: wake the request for good, so it lets go of its place at once."""
        self.gone = True
        self._event.set()

    def clear(self) -> None:
        if not self.gone:  # a hang-up between a check and the next wait must still end that wait
            self._event.clear()
        self.woken_at = None

    def wait(self, timeout: float) -> bool:
        return self._event.wait(timeout)


class Hub:
    """``credentials``: told to forget a user when a revocation arrives on their channel
    (``forget(user_id)``), and everyone when revocations may have been missed (``forget_all()``)."""

    def __init__(self, redis_url: str, channels: Channels, credentials=None):
        self._redis_url = redis_url
        self._channels = channels
        self._credentials = credentials
        self._waiters: dict[int, set[Waiter]] = defaultdict(set)
        self._held = 0
        self._listener: gevent.Greenlet | None = None
        self.subscribed = gevent.event.Event()
        self.local = LocalCopy()

    def start(self) -> None:
        if self._listener is None:
            self._listener = gevent.spawn(self._listen_forever)

    def register(self, user_id: int) -> Waiter:
        waiter = Waiter(user_id)
        self._waiters[user_id].add(waiter)
        self._held += 1
        return waiter

    def unregister(self, waiter: Waiter) -> None:
        waiters = self._waiters.get(waiter.user_id)
        if waiters is not None and waiter in waiters:
            waiters.discard(waiter)
            self._held -= 1
            if not waiters:
                del self._waiters[waiter.user_id]

    def held(self) -> int:
        return self._held

    def waiting_users(self) -> list[int]:
        return list(self._waiters)

    def held_by(self, user_id: int) -> int:
        waiters = self._waiters.get(user_id)
        return len(waiters) if waiters else 0

    def wake(self, user_id: int) -> None:
        waiters = self._waiters.get(user_id)
        if waiters:
            now = time.monotonic()
            for waiter in waiters:
                waiter.wake(now)

    def wake_all(self) -> None:
        now = time.monotonic()
        for waiters in self._waiters.values():
            for waiter in waiters:
                waiter.wake(now)

    def revoke(self, user_id: int) -> None:
        """One of the user's credentials has ended: their held requests check theirs again at once."""
        if self._credentials is not None:
            self._credentials.forget(user_id)
        for waiter in self._waiters.get(user_id, ()):
            waiter.revoke()

    def _revoke_all(self) -> None:
        if self._credentials is not None:
            self._credentials.forget_all()
        for waiters in self._waiters.values():
            for waiter in waiters:
                waiter.revoke()

    def _keep(self, user_id: int, data: bytes) -> None:
        """Copy the event a publish carries, for users this process serves or served lately."""
        if user_id not in self._waiters and not self.local.knows(user_id):
            return
        try:
            seq, unread, raw = data.split(b" ", 2)
            self.local.add(user_id, int(seq), int(unread), raw)
        except ValueError:
            log.warning("ignoring a malformed publish on user %d's channel", user_id)

    def _listen_forever(self) -> None:
        delay = 0.1
        while True:
            try:
                self._listen_once()
            except Exception:
                if self.subscribed.is_set():
                    delay = 0.1  # it had been working: retry at once
                log.warning("realtime subscription to Redis lost; retrying in %.1fs", delay, exc_info=True)
            self.subscribed.clear()
            gevent.sleep(delay)
            delay = min(delay * 2, RESUBSCRIBE_MAX_DELAY_SECONDS)

    def _listen_once(self) -> None:
        subscription = Subscription(self._redis_url)
        pinger = None
        try:
            subscription.open(self._channels.pattern)
            pinger = gevent.spawn(self._ping_forever, subscription)
            for reply in subscription.replies():
                kind = reply[0]
                if kind == b"pmessage":
                    user_id = self._channels.user_id_of(reply[2])
                    if user_id is None:
                        continue
                    if reply[3] == REVOKED:
                        self.revoke(user_id)
                    else:
                        self._keep(user_id, reply[3])
                        self.wake(user_id)
                elif kind == b"psubscribe":
                    # Anything published while unsubscribed was missed: the
                    # local copy may have gaps it cannot see, and every held
                    # poll re-reads its backlog; a revocation may be among
                    # what was missed, so every credential is checked again.
                    self.local.clear()
                    self.subscribed.set()
                    self._revoke_all()
                elif kind == b"pong":
                    self.local.sweep()
        finally:
            if pinger is not None:
                pinger.kill(block=False)
            subscription.close()

    @staticmethod
    def _ping_forever(subscription) -> None:
        while True:
            gevent.sleep(PING_EVERY_SECONDS)
            subscription.ping()
