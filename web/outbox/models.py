import uuid

from django.db import models


class OutboxEvent(models.Model):
    """An event waiting to reach Kafka.

    Written in the same transaction as the change it describes, so an event
    exists exactly when its change committed; the relay sends it and stamps
    ``sent_at``. Until then it survives Kafka, Redis or worker outages.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    topic = models.CharField(max_length=200)
    key = models.CharField(max_length=200)
    payload = models.JSONField()
    created = models.DateTimeField(auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["created"], condition=models.Q(sent_at__isnull=True), name="outbox_pending"),
        ]
