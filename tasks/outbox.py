from django.conf import settings

from tasks.celery import app
from tasks.kafka_clients import send_batch
from web.notifications.delivery import prune_processed
from web.outbox.relay import prune_sent, relay_all


@app.task(ignore_result=True)
def relay_outbox() -> int:
    """Send every event waiting in the outbox to Kafka (after commit, and by beat)."""
    return relay_all(send_batch)


@app.task(ignore_result=True)
def prune_delivery_records() -> int:
    """Forget sent outbox rows and processed-event marks past DELIVERY_RECORDS_DAYS (hourly, by beat)."""
    return prune_sent(settings.DELIVERY_RECORDS_DAYS) + prune_processed(settings.DELIVERY_RECORDS_DAYS)
