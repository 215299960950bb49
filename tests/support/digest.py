"""The digest's test helpers: a clock the digest and the preferences read, and a slot that has come."""

from datetime import datetime, timedelta

from django.utils import timezone

from web.accounts.models import NotificationPreferences


class Clock:
    """Django's ``timezone.now`` at a moment the test moves on (everything that asks for it sees it)."""

    def __init__(self, monkeypatch, at: datetime):
        self.at = at
        monkeypatch.setattr(timezone, "now", lambda: self.at)

    def set(self, at: datetime) -> None:
        self.at = at

    def forward(self, **delta) -> datetime:
        self.at += timedelta(**delta)
        return self.at


def make_due(*users) -> None:
    """These users' digest slots have come (a minute ago), with the default schedule where none was saved."""
    moment = timezone.now() - timedelta(minutes=1)
    for user in users:
        NotificationPreferences.objects.update_or_create(user=user, defaults={"digest_next_at": moment})
