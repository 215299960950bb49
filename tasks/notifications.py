from django.db import DatabaseError
from redis.exceptions import RedisError

from tasks.celery import app
from web.notifications.delivery import deliver_many
from web.notifications.events import NotificationEvent

# PostgreSQL or Redis down: tried again, backing off to at most a few
# seconds, so a delivery that waited for the database is stored within that
# of its return (the retry is a message held by a worker: it costs no query).
_RETRY = dict(ignore_result=True, autoretry_for=(DatabaseError, RedisError), retry_backoff=1,
              retry_backoff_max=4, max_retries=None)


@app.task(**_RETRY)
def deliver_events(events: list[dict]) -> int:
    """Store the notifications of a batch of Kafka events, in one transaction.

    Takes the events themselves, not ids: they are immutable values that
    exist nowhere else in this database, and delivery is idempotent by event
    and action id. The consumer batches what one poll of Kafka brought
    (tasks/consumer.py), so the cost of a task and a transaction is shared;
    the outbox's re-send hands over the events it sends around Kafka the same
    way, in batches (tasks/outbox.py).
    """
    return len(deliver_many([NotificationEvent.from_dict(event) for event in events]))
