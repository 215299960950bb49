from django.conf import settings
from django.db import models

from web.accounts.schedule import EVERY, WEEKDAYS


class NotificationPreferences(models.Model):
    """Which kinds a user wants in the app and in the mailed digest.

    No row means every kind on and the digest on, hourly. A kind that is off in the
    app is not stored for the user at all. Beat's digest check gives every active
    user with an address a row of their own (the defaults) so that each has a
    next digest moment to be found by.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE,
                                related_name="notification_preferences")
    app_owner = models.BooleanField(default=True)
    app_group = models.BooleanField(default=True)
    app_watching = models.BooleanField(default=True)
    mail_owner = models.BooleanField(default=True)
    mail_group = models.BooleanField(default=True)
    mail_watching = models.BooleanField(default=True)
    # The digest at all ("Off" on the preferences page, the unsubscribe link): the schedule below is kept
    # while it is off, so turning it back on brings back the same one.
    digest = models.BooleanField(default=True)
    # When: hourly (at the top of each hour), daily at digest_hour, or weekly on digest_weekday at
    # digest_hour, in the user's time_zone (web/accounts/schedule.py). Hourly is what every user had
    # before schedules (the one digest run an hour).
    digest_every = models.CharField(max_length=8, choices=[(e, e.capitalize()) for e in EVERY], default="hourly",
                                    db_default="hourly")
    digest_hour = models.PositiveSmallIntegerField(default=8, db_default=8)
    digest_weekday = models.PositiveSmallIntegerField(
        choices=list(enumerate(day.capitalize() for day in WEEKDAYS)), default=0, db_default=0)
    # The next slot of that schedule, in UTC, written whenever the schedule, the zone or the digest switch
    # changes and after each slot is served; null while the digest is off (or until beat's check first
    # schedules the row). Beat reads the due ones alone, in the partial index below.
    digest_next_at = models.DateTimeField(null=True, blank=True)
    # Your own actions ("You uploaded graph X") arrive already read unless
    # this is on: a person knows what they just did.
    count_own_actions = models.BooleanField(default=False)
    # The IANA name of the user's time zone ("Europe/Paris"), in which a snooze's
    # "tomorrow morning" falls; blank until they choose one (the server's, TIME_ZONE, till then).
    time_zone = models.CharField(max_length=64, blank=True, default="", db_default="")

    class Meta:
        indexes = [models.Index(fields=["digest_next_at"], condition=models.Q(digest=True),
                                name="preferences_digest_due")]
        constraints = [models.CheckConstraint(condition=models.Q(digest_hour__lte=23), name="digest_hour_of_a_day"),
                       models.CheckConstraint(condition=models.Q(digest_weekday__lte=6),
                                              name="digest_weekday_of_a_week")]

    def in_app(self, kind: str) -> bool:
        return getattr(self, f"app_{kind}")


class MutedGroup(models.Model):
    """A group whose goings-on a user does not want to hear of (what happens to them in it, they still do)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="muted_groups")
    group = models.ForeignKey("groups.Group", on_delete=models.CASCADE, related_name="+")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "group"], name="mute_a_group_once")]
