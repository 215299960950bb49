"""What a user does to their own account: notification preferences (API tokens: web/api/tokens.py)."""

from django.db import transaction
from django.utils import timezone

from common.time_zones import zone_named
from web.accounts.models import NotificationPreferences
from web.accounts.preferences import next_digest_after, schedule_of
from web.kinds import KINDS

SWITCHES = (*(f"app_{kind}" for kind in KINDS), *(f"mail_{kind}" for kind in KINDS), "digest", "count_own_actions")
SCHEDULE_FIELDS = ("digest_every", "digest_hour", "digest_weekday")
PREFERENCE_FIELDS = (*SWITCHES, "time_zone", *SCHEDULE_FIELDS)
# What the next digest's moment depends on: a change of any recomputes it.
NEXT_DIGEST_DEPENDS_ON = ("digest", "time_zone", *SCHEDULE_FIELDS)


def update_preferences(user, **fields) -> NotificationPreferences:
    """Save the given switches (each a bool), time zone (an IANA name, or "" for the server's) and digest
    schedule (digest_every "hourly", "daily" or "weekly"; digest_hour 0-23; digest_weekday 0 Monday to
    6 Sunday); the row is written on the first change. A name that is not a zone raises
    common.time_zones.UnknownZone, a schedule that cannot be web.accounts.schedule.BadSchedule.

    A change of the digest switch, the zone or the schedule moves the next digest to the new schedule's
    first slot from now; other changes leave it where it is."""
    unknown = set(fields) - set(PREFERENCE_FIELDS)
    if unknown:
        raise TypeError(f"unknown preferences: {', '.join(sorted(unknown))}")
    if fields.get("time_zone"):
        fields["time_zone"] = zone_named(fields["time_zone"]).key
    with transaction.atomic():
        prefs, created = NotificationPreferences.objects.select_for_update().get_or_create(user=user)
        before = {name: getattr(prefs, name) for name in NEXT_DIGEST_DEPENDS_ON}
        for name, value in fields.items():
            setattr(prefs, name, _clean(name, value))
        schedule_of(prefs)  # raises BadSchedule before anything is saved
        if created or prefs.digest_next_at is None or any(
                getattr(prefs, name) != value for name, value in before.items()):
            prefs.digest_next_at = next_digest_after(prefs, timezone.now())
        prefs.save()
    return prefs


def _clean(name: str, value):
    if name == "time_zone":
        return value or ""
    if name in SCHEDULE_FIELDS:
        return value
    return bool(value)

