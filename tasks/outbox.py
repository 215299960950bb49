import logging

from django.conf import settings

from tasks.celery import app
from tasks.kafka_clients import any_broker_accepts_connections, send_batch
from tasks.notifications import deliver_events
from web.api.idempotency import prune_idempotency_keys
from web.notifications.delivery import prune_processed
from web.notifications.events import in_batches
from web.outbox import healing, metrics
from web.outbox.relay import Redelivery, prune_sent, redeliver_all, relay_all
from web.redis_client import get_redis

log = logging.getLogger(__name__)


def _redelivery(healing_now: bool | None = None) -> Redelivery:
    return Redelivery(first_after=healing.first_check_seconds(healing_now),
                      at_most=settings.OUTBOX_REDELIVER_MAX_SECONDS,
                      around_kafka_from=settings.OUTBOX_AROUND_KAFKA_FROM_SEND)


class KafkaStillDown(Exception):
    pass


def noting_kafka(send, broker_answers=any_broker_accepts_connections):
    """``send``, telling healing when Kafka fails and when it works again.

    While Kafka is known to have failed, a send first checks that a broker
    accepts connections at all: otherwise each relay (beat's every few seconds,
    and one per burst of actions) would hold a worker process for the
    producer's whole timeout, and the delivery tasks queued behind them, the
    re-sends going around Kafka among them, would wait.
    """

    def send_noting_kafka(records) -> None:
        if healing.kafka_failing() and not broker_answers():
            raise KafkaStillDown("no Kafka broker accepts connections yet: the events stay in the outbox")
        try:
            send(records)
        except Exception:
            healing.kafka_failed()
            raise
        if healing.kafka_worked():
            # Queued, not done here: the sender is inside a transaction holding outbox rows.
            heal_after_outage.delay("Kafka")

    return send_noting_kafka


_send_noting_kafka = noting_kafka(send_batch)


def _deliver_directly(events) -> None:
    for batch in in_batches(events, lambda event: len(event["recipients"])):
        deliver_events.delay(batch)


@app.task(ignore_result=True)
def relay_outbox() -> int:
    """Send every event waiting in the outbox to Kafka (queued by name after a commit, and by beat)."""
    return relay_all(_send_noting_kafka, _redelivery())


@app.task(ignore_result=True)
def redeliver_outbox() -> int:
    """Send again every event Kafka took but whose notifications are not stored in time (by beat,
    and every OUTBOX_HEAL_CHECK_SECONDS while healing)."""
    if healing.redis_lost_its_data():
        healing.part_returned("Redis (it came back empty)")
        healing_now = True
    else:
        healing_now = healing.healing()
        if healing_now:
            # Again at each pass: what was sent since the notice (a backlog relayed
            # as Kafka came back) is checked as soon.
            healing.bring_forward()
    report = redeliver_all(_send_noting_kafka, _redelivery(healing_now), hand_over=_deliver_directly)
    if report.resent:
        log.warning(
            "re-sent %d events sent but not stored within their grace period (the oldest first sent %.0f s ago; "
            "%d straight to delivery, Kafka having failed them before): Kafka, Celery's queue or a killed worker "
            "lost them, or delivery is behind; %d others found stored",
            report.resent, report.oldest_seconds, report.around_kafka, report.delivered)
        metrics.count_resent(report.resent, around_kafka=report.around_kafka)
    if healing_now:
        _check_again_soon()
    return report.resent


# Set while a healing pass of the re-send is queued: one at a time.
HEAL_PASS_QUEUED_KEY = "beacon:outbox:heal-pass-queued"


def _check_again_soon() -> None:
    wait = settings.OUTBOX_HEAL_CHECK_SECONDS
    try:
        if get_redis().set(HEAL_PASS_QUEUED_KEY, 1, nx=True, ex=max(1, round(wait))):
            redeliver_outbox.apply_async(countdown=wait)
    except Exception:
        log.warning("could not queue the next healing pass; beat's re-send does it", exc_info=True)


@app.task(ignore_result=True)
def heal_after_outage(part: str) -> int:
    """``part`` is back after failing: what it held up is checked within OUTBOX_HEAL_CHECK_SECONDS
    (web/outbox/healing.py); queued by whichever process noticed."""
    brought_forward = healing.part_returned(part)
    _check_again_soon()
    return brought_forward


@app.task(ignore_result=True)
def prune_delivery_records() -> int:
    """Forget sent outbox rows and processed-event marks past DELIVERY_RECORDS_DAYS, and
    Idempotency-Keys past their 24 hours (hourly, by beat)."""
    return (prune_sent(settings.DELIVERY_RECORDS_DAYS) + prune_processed(settings.DELIVERY_RECORDS_DAYS)
            + prune_idempotency_keys())
