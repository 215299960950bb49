from django.conf import settings
from django.db import models


class IdempotencyKey(models.Model):
    """The answer to an API request that created something, kept under the client's ``Idempotency-Key``.

    Written in the same transaction as the create (web/api/idempotency.py), so
    a key is stored exactly when its thing was created, and a retry after a
    lost answer gets this answer again instead of a second thing. Kept for
    24 hours (``prune_idempotency_keys``).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    # What the key was first used for: a repeat must be the same request.
    request = models.CharField(max_length=500, help_text='method and path, e.g. "POST /api/v1/groups/"')
    body_sha256 = models.CharField(max_length=64)
    # The answer, as sent: replayed byte for byte. Empty only inside the
    # transaction that claimed the key; claim and answer commit together.
    status = models.PositiveSmallIntegerField(null=True)
    response = models.TextField(blank=True)
    created = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_once_per_user")]
