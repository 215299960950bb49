from tasks.celery import app
from tasks.kafka_clients import send_batch
from web.outbox.relay import relay_all


@app.task(ignore_result=True)
def relay_outbox() -> int:
    """Send every event waiting in the outbox to Kafka (after commit, and by beat)."""
    return relay_all(send_batch)
