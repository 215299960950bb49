from django.conf import settings

from tasks.celery import app
from web.notifications.stream import prune


@app.task(ignore_result=True)
def prune_stream_events() -> int:
    """Forget stream events past REALTIME_RETENTION_DAYS (hourly, by beat)."""
    return prune(settings.REALTIME_RETENTION_DAYS)
