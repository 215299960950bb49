"""After an outage: what it held up is stored within seconds of the part's return, not at the next timer.

An event sent but not stored is normally looked at again
``OUTBOX_REDELIVER_AFTER_SECONDS`` after it was sent (web/outbox/relay.py):
long enough for a merely slow delivery not to be done twice. But when a part
was down, what it lost is known to be lost, and waiting out that timer only
keeps users from their notifications. So whichever process notices a part is
back says so (:func:`part_returned`):

- Kafka: the relay's first send that succeeds after one failed (tasks/outbox.py);
  the consumer reading again after Kafka failed under it, or reading a topic
  that came back as a new log (tasks/consumer.py).
- Redis: a marker key the re-send keeps there is gone (Redis came back empty,
  with Celery's queued tasks lost), or the consumer's hand-off to Celery works
  again after failing.
- A Celery worker that starts: a worker killed holding tasks is the usual
  reason one starts, and what it held comes back only after the queue's
  visibility timeout.

Then every event in flight is checked ``OUTBOX_HEAL_CHECK_SECONDS`` from now
(the same check as ever: found stored, done with; not, sent again around
Kafka), and for ``OUTBOX_HEAL_WINDOW_SECONDS`` events sent meanwhile are
checked that soon too: a broker that came back empty can still lose what it
takes in its first seconds. The cost is a second delivery of events that were
only slow, which delivery's idempotence makes a look and nothing more.
PostgreSQL's return needs no notice: what failed on it is retried within
seconds by the tasks themselves (tasks/notifications.py) and by beat's relay.
"""

import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from redis.exceptions import RedisError

from web.redis_client import get_redis

log = logging.getLogger(__name__)

# Set while healing, for OUTBOX_HEAL_WINDOW_SECONDS; its value names the part.
HEALING_KEY = "beacon:outbox:healing"
# Set while a send to Kafka has failed and none has worked since.
KAFKA_FAILING_KEY = "beacon:outbox:kafka-failing"
KAFKA_FAILING_SECONDS = 24 * 3600
# Kept in Redis for as long as Redis keeps anything: gone, Redis lost what it held.
REDIS_MARKER_KEY = "beacon:redis-marker"


def part_returned(part: str) -> int:
    """``part`` is back after failing: check every event in flight soon. Returns how many were brought forward."""
    brought_forward = bring_forward()
    try:
        get_redis().set(HEALING_KEY, part, ex=max(1, round(settings.OUTBOX_HEAL_WINDOW_SECONDS)))
    except RedisError:
        log.warning("could not mark the outbox as healing; events sent now wait for their usual check",
                    exc_info=True)
    log.warning("%s is back: %d events in flight are checked within %g s instead of at their usual time",
                part, brought_forward, settings.OUTBOX_HEAL_CHECK_SECONDS)
    return brought_forward


def _ask_redis(ask, *, otherwise=False):
    """``ask(redis)``; ``otherwise`` when Redis does not answer (its own return is noticed by its marker)."""
    try:
        return ask(get_redis())
    except RedisError:
        return otherwise


def healing() -> bool:
    return bool(_ask_redis(lambda redis: redis.exists(HEALING_KEY)))


def first_check_seconds(healing_now: bool | None = None) -> float:
    """How long after its first send an event is checked: sooner while healing (``healing_now``, if known)."""
    if healing() if healing_now is None else healing_now:
        return min(settings.OUTBOX_HEAL_CHECK_SECONDS, settings.OUTBOX_REDELIVER_AFTER_SECONDS)
    return settings.OUTBOX_REDELIVER_AFTER_SECONDS


def kafka_failed() -> None:
    _ask_redis(lambda redis: redis.set(KAFKA_FAILING_KEY, 1, ex=KAFKA_FAILING_SECONDS))


def kafka_failing() -> bool:
    return bool(_ask_redis(lambda redis: redis.exists(KAFKA_FAILING_KEY)))


def kafka_worked() -> bool:
    """A send to Kafka worked: True when one had failed since the last that did (Kafka is back)."""
    return bool(_ask_redis(lambda redis: redis.delete(KAFKA_FAILING_KEY)))


def redis_lost_its_data() -> bool:
    """True once each time Redis is found without the marker it keeps (it came back empty, or is new)."""
    return bool(_ask_redis(lambda redis: redis.set(REDIS_MARKER_KEY, uuid.uuid4().hex, nx=True)))


def bring_forward() -> int:
    """Check every event in flight within OUTBOX_HEAL_CHECK_SECONDS; returns how many were due later."""
    return _check_in_flight_within(settings.OUTBOX_HEAL_CHECK_SECONDS)


def _check_in_flight_within(seconds: float) -> int:
    # Rows a re-send holds are skipped: it is checking them now. SKIP LOCKED
    # also keeps two of these from waiting on each other's rows.
    soon = timezone.now() + timedelta(seconds=seconds)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE outbox_outboxevent SET resend_at = %s WHERE id IN ("
            " SELECT id FROM outbox_outboxevent"
            " WHERE sent_at IS NOT NULL AND delivered_at IS NULL AND resend_at > %s"
            " FOR UPDATE SKIP LOCKED)", [soon, soon])
        return cursor.rowcount
