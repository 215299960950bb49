"""Sending outbox rows to Kafka, oldest first, at least once."""

import logging
from collections.abc import Callable, Sequence
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from web.outbox.models import OutboxEvent

log = logging.getLogger(__name__)

# One batch is one transaction holding row locks while Kafka acknowledges;
# small enough to keep that short.
RELAY_BATCH_SIZE = 200

SendBatch = Callable[[Sequence[tuple[str, str, dict]]], None]


def relay_pending(send_batch: SendBatch, *, limit: int = RELAY_BATCH_SIZE) -> int:
    """Send up to ``limit`` unsent events; returns how many were sent.

    ``send_batch`` returns only once Kafka has acknowledged every record, and
    raises otherwise, which leaves the whole batch unsent to be tried again
    (Kafka may then hold a record twice; consumers are idempotent). Rows locked
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
        OutboxEvent.objects.filter(pk__in=[row.pk for row in rows]).update(sent_at=timezone.now())
    return len(rows)


def relay_all(send_batch: SendBatch) -> int:
    sent = 0
    while True:
        count = relay_pending(send_batch)
        sent += count
        if count < RELAY_BATCH_SIZE:
            return sent


def prune_sent(older_than_days: int) -> int:
    """Forget events Kafka took more than ``older_than_days`` ago (unsent ones are never pruned)."""
    cutoff = timezone.now() - timedelta(days=older_than_days)
    deleted, _ = OutboxEvent.objects.filter(sent_at__lt=cutoff).delete()
    return deleted
