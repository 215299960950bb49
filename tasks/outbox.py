import logging

from django.conf import settings

from tasks.celery import app
from tasks.kafka_clients import send_batch
from tasks.notifications import deliver_events
from web.api.idempotency import prune_idempotency_keys
from web.notifications.delivery import prune_processed
from web.notifications.events import in_batches
from web.outbox import metrics
from web.outbox.relay import Redelivery, prune_sent, redeliver_all, relay_all

log = logging.getLogger(__name__)


def _redelivery() -> Redelivery:
    return Redelivery(first_after=settings.OUTBOX_REDELIVER_AFTER_SECONDS,
                      at_most=settings.OUTBOX_REDELIVER_MAX_SECONDS,
                      around_kafka_from=settings.OUTBOX_AROUND_KAFKA_FROM_SEND)


def _deliver_directly(events) -> None:
    for batch in in_batches(events, lambda event: len(event["recipients"])):
        deliver_events.delay(batch)


@app.task(ignore_result=True)
def relay_outbox() -> int:
    """Send every event waiting in the outbox to Kafka (queued by name after a commit, and by beat)."""
    return relay_all(send_batch, _redelivery())


@app.task(ignore_result=True)
def redeliver_outbox() -> int:
    """Send again every event Kafka took but whose notifications are not stored in time (by beat)."""
    report = redeliver_all(send_batch, _redelivery(), hand_over=_deliver_directly)
    if report.resent:
        log.warning(
            "re-sent %d events sent but not stored within their grace period (the oldest first sent %.0f s ago; "
            "%d straight to delivery, Kafka having failed them before): Kafka, Celery's queue or a killed worker "
            "lost them, or delivery is behind; %d others found stored",
            report.resent, report.oldest_seconds, report.around_kafka, report.delivered)
        metrics.count_resent(report.resent, around_kafka=report.around_kafka)
    return report.resent


@app.task(ignore_result=True)
def prune_delivery_records() -> int:
    """Forget sent outbox rows and processed-event marks past DELIVERY_RECORDS_DAYS, and
    Idempotency-Keys past their 24 hours (hourly, by beat)."""
    return (prune_sent(settings.DELIVERY_RECORDS_DAYS) + prune_processed(settings.DELIVERY_RECORDS_DAYS)
            + prune_idempotency_keys())
