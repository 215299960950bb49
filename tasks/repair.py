import logging

from tasks.celery import app
from web.notifications.repair import rebuild_all

log = logging.getLogger(__name__)


@app.task(ignore_result=True)
def check_unread_counts() -> int:
    """Repair every unread count that differs from the notifications (by beat, UNREAD_CHECK_INTERVAL_SECONDS).

    A repair means something changed notifications without counting them:
    logged as a warning, so that whatever did it is looked for.
    """
    fixed = rebuild_all()
    for drift in fixed:
        log.warning("unread count of user %d was %d, %d notifications are unread: repaired",
                    drift.user_id, drift.recorded, drift.actual)
    return len(fixed)
