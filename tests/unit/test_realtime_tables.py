"""The realtime process reads two of Django's tables by name, loading no model of web/."""

from realtime.store import EVENT_TABLE, STREAM_TABLE
from web.notifications.models import StreamEvent, UserStream


def test_the_realtime_process_reads_the_tables_the_models_write():
    assert UserStream._meta.db_table == STREAM_TABLE
    assert StreamEvent._meta.db_table == EVENT_TABLE
