from django.conf import settings

from tasks.celery import app
from web.notifications.actions import prune_done, wake_due


@app.task(ignore_result=True)
def prune_done_notifications() -> int:
    """Delete done, unsaved notifications past NOTIFICATIONS_DONE_KEEP_DAYS (daily, by beat)."""
    return prune_done(settings.NOTIFICATIONS_DONE_KEEP_DAYS)


@app.task(ignore_result=True)
def wake_snoozed() -> int:
    """Bring back, unread, the snoozed notifications whose moment came (every SNOOZE_WAKE_CHECK_SECONDS)."""
    return wake_due()
