from django.db import DatabaseError
from redis.exceptions import RedisError

from tasks.celery import app
from web.notifications.delivery import deliver
from web.notifications.events import NotificationEvent


@app.task(ignore_result=True, autoretry_for=(DatabaseError, RedisError), retry_backoff=True,
          retry_backoff_max=60, max_retries=None)
def deliver_event(event: dict) -> int:
    """Store the notifications of one Kafka event.

    Takes the event itself, not an id: it is an immutable value that exists
    nowhere else in this database, and delivery is idempotent by action id.
    """
    return len(deliver(NotificationEvent.from_dict(event)))
