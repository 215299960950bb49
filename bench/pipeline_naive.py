"""The naive design, for the pipeline bench to compare with: one Celery task and one INSERT per notification.

Everything but the delivery task is Beacon's: the same actions, outbox, relay,
Kafka topics and consumer (``python -m tasks.consumer``, which queues each
batch of events as the task named ``tasks.notifications.deliver_events``), the
same Celery app and worker command, the same delivery code. This module
registers its own task under that name on Beacon's app before Beacon's is
(an app keeps the first task registered under a name), so in the worker that
loads it the batch is split into one ``deliver_one`` task per (event,
recipient), and each stores that one notification by calling
``web.notifications.delivery.deliver_many`` with the event cut down to that
one recipient: one transaction, one notification row, one stream number, one
publish; idempotent as before (delivered again, a cut-down event stores nothing).
The splitting task is a hop the naive design would not have, so Beacon's
advantage over it is overstated by at most one task per batch of up to 1,000
recipients.

The cut-down event gets an id of its own (derived from the event's and the
user's), so that each recipient's task marks its own ``ProcessedEvent``; the
outbox's check, which looks for the whole event's id, then never finds it
stored, so the bench runs this design with ``OUTBOX_REDELIVER_AFTER_SECONDS``
far beyond the run (no re-sends).

Worker: ``celery -A bench.pipeline_naive:app worker`` (the Procfile's flags):
Beacon's app with this module's tasks. It refuses to start unless the name
resolves to the splitting task.
"""

import uuid
from dataclasses import replace

from celery.signals import worker_init
from django.db import DatabaseError
from redis.exceptions import RedisError

from tasks.celery import app

__all__ = ["app", "deliver_one", "one_task_per_recipient"]

DELIVER_EVENTS = "tasks.notifications.deliver_events"
_NAMESPACE = uuid.UUID("6f1c52c4-5d0e-4b8e-9a51-0b6f3c1f2a77")
_RETRIED = dict(ignore_result=True, autoretry_for=(DatabaseError, RedisError), retry_backoff=True,
                retry_backoff_max=60, max_retries=None)


def split_batch(events: list[dict]) -> int:
    """A batch from Beacon's consumer, queued again as one ``deliver_one`` task per (event, recipient)."""
    # Imported here: the worker loads this module before Django is set up.
    from web.notifications.events import NotificationEvent

    singles = [single for event in events for single in one_per_recipient(NotificationEvent.from_dict(event))]
    for single in singles:
        deliver_one.delay(single)
    return len(singles)


# Registered now (lazy=False), before the worker imports Beacon's task modules: Beacon's deliver_events,
# registered when the app is finalized, then finds its name taken, and calls under it reach this task.
one_task_per_recipient = app.task(name=DELIVER_EVENTS, lazy=False, shared=False, **_RETRIED)(split_batch)


@app.task(name="bench.pipeline_naive.deliver_one", shared=False, **_RETRIED)
def deliver_one(event: dict) -> int:
    """One recipient's notification of one event: one transaction, one row."""
    from web.notifications.delivery import deliver_many
    from web.notifications.events import NotificationEvent

    return len(deliver_many([NotificationEvent.from_dict(event)]))


def one_per_recipient(event) -> list[dict]:
    """The event cut down to each of its recipients, in the wire format of the day (NotificationEvent.to_dict)."""
    return [replace(event, id=str(uuid.uuid5(_NAMESPACE, f"{event.id}:{r['user']}")), recipients=(r,)).to_dict()
            for r in event.recipients]


@worker_init.connect
def _refuse_beacon_delivery(**_) -> None:
    """The worker runs the naive delivery under Beacon's task name, or not at all."""
    registered = app.tasks.get(DELIVER_EVENTS)  # finalizes the app: Beacon's task modules are imported by now
    runs = getattr(registered, "__wrapped__", None)  # the decorated function (``run`` wraps it to retry)
    if runs is not split_batch:
        # SystemExit: Celery logs and carries on past any exception a signal handler raises.
        raise SystemExit(f"{DELIVER_EVENTS} runs {runs!r}, not the naive design's split_batch")
