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


class ApiToken(models.Model):
    """One of a user's named API tokens, sent as ``Authorization: Token <key>`` (or ``Bearer <key>``).

    Only the SHA-256 of the key is stored (web/api/tokens.py): the key is shown
    once when it is made, and a copy of the table gives no one a working key.
    The realtime process reads this table by name with SQL (realtime/auth.py),
    hashing the key it is sent the same way.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    # hex SHA-256 of the key: a key is 256 random bits, so no salt or slow hash is needed.
    key_hash = models.CharField(max_length=64, unique=True)
    created = models.DateTimeField(auto_now_add=True)
    # At most LAST_USED_PRECISION stale (web/api/tokens.py): not written on every request.
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="api_token_name_once_per_user")]
        indexes = [models.Index(fields=["user", "created"], name="api_token_user_created")]

    def __str__(self):
        return f"{self.name} ({self.user_id})"
