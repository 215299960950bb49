"""What the mail server said of a user's address when it would not take their digest."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class MailRefusal(models.Model):
    """The server refused mail to ``user`` at ``address``: stopped for good, or waiting to retry.

    Permanent (a 5xx at RCPT or DATA): nothing more is mailed to the address
    until the user confirms it again (web/digest/confirmation.py). Temporary
    (a 4xx, or a server that could not be reached): the next try waits until
    ``retry_after``, longer after each failure in a row. Keyed by the address
    as well as the user: a user whose address changed is mailed at the new
    one, whatever the old one did. A mail accepted deletes the row.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mail_refusals")
    address = models.CharField(max_length=254)
    permanent = models.BooleanField()
    reply = models.TextField()  # the server's words: "550 5.1.1 No such user"
    refused_at = models.DateTimeField()  # the latest refusal
    failures = models.PositiveIntegerField(default=1)  # refusals in a row
    retry_after = models.DateTimeField(null=True)  # temporary: no try before this; permanent: none

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "address"], name="digest_refusal_user_address")]

    @staticmethod
    def holds(now) -> Q:
        """A refusal that holds mail to its address back now: stopped, or its next try not yet due."""
        return Q(permanent=True) | Q(retry_after__gt=now)
