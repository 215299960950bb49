"""Reading notification preferences for many people at once."""

from web.accounts.models import KINDS, NotificationPreferences


def app_kinds_off(user_ids) -> dict[int, frozenset]:
    """The kinds each user has turned off in the app; users not listed want everything."""
    rows = NotificationPreferences.objects.filter(user_id__in=list(user_ids))
    return {
        prefs.user_id: frozenset(kind for kind in KINDS if not prefs.in_app(kind))
        for prefs in rows
    }


def preferences_of(user) -> NotificationPreferences:
    """The user's preferences, defaults if never saved (not written until changed)."""
    return NotificationPreferences.objects.filter(user=user).first() or NotificationPreferences(user=user)
