"""Getting outbox events stored as notifications: sent to Kafka, and sent again until they are.

Kafka's acknowledgement is not the end of an event's road: Kafka itself (an
unclean leader election, a development broker restarted empty), Celery's
queue in Redis, or a worker killed mid-task can still lose it. So an event
counts as delivered only when its notifications are stored: delivery writes
a ``ProcessedEvent`` row in its own transaction, and
:func:`redeliver_unconfirmed` sends again every event sent but not stored
after a grace period, backing off. Delivery is idempotent (by event and by
user and action), so an event that was only slow, not lost, costs a second
look and nothing more.
"""

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from web.notifications.models import ProcessedEvent
from web.outbox import outbox
from web.outbox.models import OutboxEvent

log = logging.getLogger(__name__)

# One batch is one transaction holding row locks while Kafka acknowledges;
# small enough to keep that short.
RELAY_BATCH_SIZE = 200

SendBatch = Callable[[Sequence[tuple[str, str, dict]]], None]


@dataclass(frozen=True)
class Redelivery:
    """When to look again at a sent event: ``first_after`` seconds after it was sent,
    then twice as long after each re-send, never longer than ``at_most``; and
    from which send on to go around Kafka (``around_kafka_from``: 2 sends every
    re-send straight to delivery; 3 gives Kafka one re-send first)."""

    first_after: float
    at_most: float
    around_kafka_from: int = 2

    def next_check(self, now, attempts: int):
        wait = min(self.first_after * 2 ** max(attempts - 1, 0), self.at_most)
        return now + timedelta(seconds=wait)


def relay_pending(send_batch: SendBatch, redelivery: Redelivery, *, limit: int = RELAY_BATCH_SIZE) -> int:
    """Send up to ``limit`` unsent events; returns how many were sent.

    ``send_batch`` returns only once Kafka has acknowledged every record, and
    raises otherwise, which leaves the whole batch unsent to be tried again
    (Kafka may then hold a record twice; delivery is idempotent). Rows locked
    by a concurrent relay are skipped, not waited for.
    """
    with transaction.atomic():
        rows = list(
            OutboxEvent.objects.select_for_update(skip_locked=True)
            .filter(sent_at__isnull=True)
            .order_by("created", "id")[:limit]
        )
        if not rows:
            return 0
        send_batch([(row.topic, row.key, row.payload) for row in rows])
        now = timezone.now()
        OutboxEvent.objects.filter(pk__in=[row.pk for row in rows]).update(
            sent_at=now, attempts=1, resend_at=redelivery.next_check(now, 1))
    return len(rows)


def relay_all(send_batch: SendBatch, redelivery: Redelivery) -> int:
    """Send every unsent event; returns how many were sent (the relay task's work, queued or by beat)."""
    outbox.relay_starting()
    sent = 0
    while True:
        count = relay_pending(send_batch, redelivery)
        sent += count
        if count < RELAY_BATCH_SIZE:
            return sent


HandOver = Callable[[Sequence[dict]], None]


@dataclass(frozen=True)
class RedeliveryReport:
    delivered: int  # found stored: done with
    resent: int  # not stored by their check time: sent again (through Kafka or around it)
    oldest_seconds: float  # how long ago the oldest re-sent one was first sent
    around_kafka: int = 0  # of the re-sent, how many went straight to delivery


def redeliver_unconfirmed(send_batch: SendBatch, redelivery: Redelivery, *, hand_over: HandOver | None = None,
                          limit: int = RELAY_BATCH_SIZE) -> RedeliveryReport:
    """Check up to ``limit`` sent events whose check time has come.

    Those whose notifications are stored are marked delivered; the others are
    sent again and checked later, backing off. Each sent event is looked at
    once per check, never scanned for in between: the partial index
    ``outbox_unconfirmed`` holds only events in flight.

    An event Kafka has failed to deliver ``around_kafka_from - 1`` times goes
    around it: ``hand_over`` gives it to the delivery task directly. Kafka is
    the way events travel, not the guarantee: a broker that lost a topic, or
    a consumer stuck past the end of a log made anew, must not keep an event
    from its users for longer than a couple of checks.
    """
    with transaction.atomic():
        now = timezone.now()
        rows = list(
            OutboxEvent.objects.select_for_update(skip_locked=True)
            .filter(sent_at__isnull=False, delivered_at__isnull=True, resend_at__lte=now)
            .order_by("resend_at")[:limit]
        )
        if not rows:
            return RedeliveryReport(0, 0, 0.0)
        stored = set(ProcessedEvent.objects.filter(event_id__in=[row.pk for row in rows])
                     .values_list("event_id", flat=True))
        OutboxEvent.objects.filter(pk__in=stored).update(delivered_at=now)
        lost = [row for row in rows if row.pk not in stored]
        around = [row for row in lost if hand_over is not None and row.attempts + 1 >= redelivery.around_kafka_from]
        through = [row for row in lost if row not in around]
        if through:
            send_batch([(row.topic, row.key, row.payload) for row in through])
        if around:
            hand_over([row.payload for row in around])
        if lost:
            for row in lost:
                row.attempts += 1
                row.resend_at = redelivery.next_check(now, row.attempts)
            OutboxEvent.objects.bulk_update(lost, ["attempts", "resend_at"])
    oldest = max(((now - row.sent_at).total_seconds() for row in lost), default=0.0)
    return RedeliveryReport(len(stored), len(lost), oldest, len(around))


def redeliver_all(send_batch: SendBatch, redelivery: Redelivery, *,
                  hand_over: HandOver | None = None) -> RedeliveryReport:
    delivered = resent = around = 0
    oldest = 0.0
    while True:
        report = redeliver_unconfirmed(send_batch, redelivery, hand_over=hand_over)
        delivered += report.delivered
        resent += report.resent
        around += report.around_kafka
        oldest = max(oldest, report.oldest_seconds)
        if report.delivered + report.resent < RELAY_BATCH_SIZE:
            return RedeliveryReport(delivered, resent, oldest, around)


def prune_sent(older_than_days: int) -> int:
    """Forget events sent more than ``older_than_days`` ago (unsent ones are never pruned).

    One still not stored by then is given up on, loudly: it has been sent
    again for days, so something refuses it for good (the dead-letter topic
    says what).
    """
    cutoff = timezone.now() - timedelta(days=older_than_days)
    old = OutboxEvent.objects.filter(sent_at__lt=cutoff)
    never_stored = old.filter(delivered_at__isnull=True).count()
    if never_stored:
        log.error("giving up on %d events sent more than %d days ago and never stored", never_stored,
                  older_than_days)
    deleted, _ = old.delete()
    return deleted


def in_flight() -> tuple[int, int, float]:
    """(waiting to be sent, sent but not yet found stored, age in seconds of the oldest of either)."""
    now = timezone.now()
    pending = OutboxEvent.objects.filter(sent_at__isnull=True)
    unconfirmed = OutboxEvent.objects.filter(sent_at__isnull=False, delivered_at__isnull=True)
    oldest = [qs.order_by("created").values_list("created", flat=True).first() for qs in (pending, unconfirmed)]
    age = max(((now - created).total_seconds() for created in oldest if created), default=0.0)
    return pending.count(), unconfirmed.count(), age
