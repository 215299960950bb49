"""The naive design, for the pipeline bench to compare with: one Celery task and one INSERT per notification.

Everything but the hand-off is Beacon's: the same actions, outbox, relay,
Kafka topics and consumer loop (tasks.consumer.EventConsumer), the same
Celery app and worker command, the same delivery code. Only the consumer
queues one task per (event, recipient), and each task stores that one
notification by calling ``web.notifications.delivery.deliver_many`` with the
event cut down to that one recipient: one transaction, one notification
row, one stream number, one publish; idempotent as before (a notification
is unique per user and action). The cut-down event gets an id of its own
(derived from the event's and the user's), so that each recipient's task
marks its own ``ProcessedEvent``; the outbox's check, which looks for the
whole event's id, then never finds it stored, so the bench runs this design
with ``OUTBOX_REDELIVER_AFTER_SECONDS`` far beyond the run (no re-sends).

Worker: ``celery -A bench.pipeline_naive:app worker`` (the Procfile's
flags): Beacon's app, with this module's task added to it. Consumer:
``python -m bench.pipeline_naive``.
"""

import logging
import uuid
from dataclasses import replace

from django.db import DatabaseError
from redis.exceptions import RedisError

from tasks.celery import app

__all__ = ["app", "deliver_one"]

log = logging.getLogger("bench.pipeline_naive")
_NAMESPACE = uuid.UUID("6f1c52c4-5d0e-4b8e-9a51-0b6f3c1f2a77")


@app.task(name="bench.pipeline_naive.deliver_one", ignore_result=True, autoretry_for=(DatabaseError, RedisError),
          retry_backoff=True, retry_backoff_max=60, max_retries=None)
def deliver_one(event: dict) -> int:
    """One recipient's notification of one event: one transaction, one row."""
    # Imported here: the worker loads this module before Django is set up.
    from web.notifications.delivery import deliver_many
    from web.notifications.events import NotificationEvent

    return len(deliver_many([NotificationEvent.from_dict(event)]))


def one_per_recipient(event) -> list[dict]:
    """The event cut down to each of its recipients, in the wire format of the day (NotificationEvent.to_dict)."""
    return [replace(event, id=str(uuid.uuid5(_NAMESPACE, f"{event.id}:{r['user']}")), recipients=(r,)).to_dict()
            for r in event.recipients]


def hand_off(events) -> None:
    for event in events:
        for single in one_per_recipient(event):
            deliver_one.delay(single)


def main() -> None:
    """Beacon's consumer (tasks.consumer.main) with the naive hand-off."""
    from tasks.consumer import main as consume

    log.info("consuming with the naive hand-off: one task per notification")
    consume(hand_off=hand_off)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    main()
