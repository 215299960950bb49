"""What a user does to their own account: notification preferences (API tokens: web/api/tokens.py)."""

from django.db import transaction

from common.time_zones import zone_named
from web.accounts.models import NotificationPreferences
from web.kinds import KINDS

SWITCHES = (*(f"app_{kind}" for kind in KINDS), *(f"mail_{kind}" for kind in KINDS), "digest", "count_own_actions")
PREFERENCE_FIELDS = (*SWITCHES, "time_zone")


def update_preferences(user, **fields) -> NotificationPreferences:
    """Save the given switches (each a bool) and time zone (an IANA name, or "" for the server's); the row
    is written on the first change. A name that is not a zone raises common.time_zones.UnknownZone."""
    unknown = set(fields) - set(PREFERENCE_FIELDS)
    if unknown:
        raise TypeError(f"unknown preferences: {', '.join(sorted(unknown))}")
    if fields.get("time_zone"):
        fields["time_zone"] = zone_named(fields["time_zone"]).key
    with transaction.atomic():
        prefs, _ = NotificationPreferences.objects.select_for_update().get_or_create(user=user)
        for name, value in fields.items():
            setattr(prefs, name, (value or "") if name == "time_zone" else bool(value))
        prefs.save()
    return prefs

