import uuid

from django.db import models


class OutboxEvent(models.Model):
    """An event on its way to being stored as notifications.

    Written in the same transaction as the change it describes, so an event
    exists exactly when its change committed. The relay sends it to Kafka and
    stamps ``sent_at``; but Kafka, Celery's queue or a killed worker can still
    lose it after that, so it counts as delivered only once its notifications
    are stored (a ``ProcessedEvent`` row). Until then, from ``resend_at`` on,
    the relay sends it again (web.outbox.relay.redeliver_unconfirmed).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    topic = models.CharField(max_length=200)
    key = models.CharField(max_length=200)
    payload = models.JSONField()
    created = models.DateTimeField(auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)  # first taken by Kafka
    attempts = models.PositiveIntegerField(default=0)  # times taken by Kafka
    # When to check whether it was stored, and send it again if not.
    resend_at = models.DateTimeField(null=True, blank=True)
    # When the check found its notifications stored: the end of its road.
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["created"], condition=models.Q(sent_at__isnull=True), name="outbox_pending"),
            # Only events in flight: sent, not yet found stored. Small however
            # long the delivered ones are kept.
            models.Index(fields=["resend_at"], condition=models.Q(sent_at__isnull=False, delivered_at__isnull=True),
                         name="outbox_unconfirmed"),
        ]
