"""Recording events for Kafka inside the transaction of the change.

Style note: this is Beacon's ``send_event_on_commit``. Actions call
:func:`record` inside their ``transaction.atomic()`` block; the row commits or
rolls back with the change, and only after commit is the relay asked to send.
"""

import logging

from django.db import transaction

from web.notifications.events import NotificationEvent, topic_for
from web.outbox.models import OutboxEvent

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


def _ask_relay_to_send() -> None:
    # Imported here: the web layer reaches the worker only at this one point.
    from tasks.outbox import relay_outbox

    try:
        relay_outbox.delay()
    except Exception:
        # The event is safe in the outbox; beat's periodic relay sends it
        # once the Celery broker is back.
        log.warning("could not ask the relay to send now; the periodic relay will", exc_info=True)
