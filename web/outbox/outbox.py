"""Recording events for Kafka inside the transaction of the change.

Style note: this is Beacon's ``send_event_on_commit``. Actions call
:func:`record` inside their ``transaction.atomic()`` block; the row commits or
rolls back with the change, and only after commit is the relay asked to send.
"""

import logging

from django.db import transaction
from redis.exceptions import RedisError

from web import task_queue
from web.notifications.events import NotificationEvent, topic_for
from web.outbox.models import OutboxEvent
from web.redis_client import get_redis

log = logging.getLogger(__name__)


def record(*events: NotificationEvent) -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("outbox.record() must run inside the action's transaction.atomic() block")
    if not events:
        return  # an action that tells no one (everyone opted out) sends nothing
    OutboxEvent.objects.bulk_create(
        OutboxEvent(id=event.id, topic=topic_for(event.kind), key=event.kafka_key, payload=event.to_dict())
        for event in events
    )
    transaction.on_commit(_ask_relay_to_send)


# Set while a relay is queued and not yet started: actions committed before it
# starts are sent by it, so they need not queue another. Each relay is a
# transaction and a wait for Kafka on a worker that has notifications to
# store, so a burst of actions must cost one, not one each. Expires in case
# the queued relay is lost (beat's periodic relay sends its events meanwhile).
RELAY_ASKED_KEY = "beacon:outbox:relay-asked"
RELAY_ASKED_SECONDS = 30


# Queued by name (web/task_queue.py): the task is the worker's, in tasks/outbox.py.
RELAY_TASK = "tasks.outbox.relay_outbox"


def _ask_relay_to_send() -> None:
    if not _first_to_ask():
        return
    try:
        task_queue.send_task(RELAY_TASK)
    except Exception:
        # The event is safe in the outbox; beat's periodic relay sends it
        # once the Celery broker is back.
        log.warning("could not ask the relay to send now; the periodic relay will", exc_info=True)


def _first_to_ask() -> bool:
    try:
        return bool(get_redis().set(RELAY_ASKED_KEY, 1, nx=True, ex=RELAY_ASKED_SECONDS))
    except RedisError:
        return True  # not knowing, ask: a relay too many costs a look at an empty outbox


def relay_starting() -> None:
    """The relay is about to read the outbox: actions committed from now on must ask again."""
    try:
        get_redis().delete(RELAY_ASKED_KEY)
    except RedisError:
        log.warning("could not clear the relay's flag; it expires in %d s", RELAY_ASKED_SECONDS, exc_info=True)
