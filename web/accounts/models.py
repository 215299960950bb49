from django.conf import settings
from django.db import models


class NotificationPreferences(models.Model):
    """Which kinds a user wants in the app and in the mailed digest.

    No row means every kind on and the digest on. A kind that is off in the
    app is not stored for the user at all.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE,
                                related_name="notification_preferences")
    app_owner = models.BooleanField(default=True)
    app_group = models.BooleanField(default=True)
    app_watching = models.BooleanField(default=True)
    mail_owner = models.BooleanField(default=True)
    mail_group = models.BooleanField(default=True)
    mail_watching = models.BooleanField(default=True)
    digest = models.BooleanField(default=True)
    # Your own actions ("You uploaded graph X") arrive already read unless
    # this is on: a person knows what they just did.
    count_own_actions = models.BooleanField(default=False)
    # The IANA name of the user's time zone ("Europe/Paris"), in which a snooze's
    # "tomorrow morning" falls; blank until they choose one (the server's, TIME_ZONE, till then).
    time_zone = models.CharField(max_length=64, blank=True, default="", db_default="")

    def in_app(self, kind: str) -> bool:
        return getattr(self, f"app_{kind}")


class MutedGroup(models.Model):
    """A group whose goings-on a user does not want to hear of (what happens to them in it, they still do)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="muted_groups")
    group = models.ForeignKey("groups.Group", on_delete=models.CASCADE, related_name="+")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "group"], name="mute_a_group_once")]
