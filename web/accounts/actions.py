"""What a user does to their own account: notification preferences and the API token."""

from django.db import transaction
from rest_framework.authtoken.models import Token

from web.accounts.models import NotificationPreferences
from web.kinds import KINDS

PREFERENCE_FIELDS = (*(f"app_{kind}" for kind in KINDS), *(f"mail_{kind}" for kind in KINDS), "digest",
                     "count_own_actions")


def update_preferences(user, **fields) -> NotificationPreferences:
    """Save the given switches (each a bool); the row is written on the first change."""
    unknown = set(fields) - set(PREFERENCE_FIELDS)
    if unknown:
        raise TypeError(f"unknown preferences: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        prefs, _ = NotificationPreferences.objects.select_for_update().get_or_create(user=user)
        for name, value in fields.items():
            setattr(prefs, name, bool(value))
        prefs.save()
    return prefs


def create_token(user) -> str:
    """A new API token for the user, replacing any earlier one; the key is shown once."""
    with transaction.atomic():
        Token.objects.filter(user=user).delete()
        return Token.objects.create(user=user).key


def revoke_token(user) -> None:
    Token.objects.filter(user=user).delete()
