"""The realtime process reads Django's tables by name and column, loading no model of web/."""

from realtime.store import (
    EVENT_TABLE,
    NOTICE_COLUMNS,
    NOTICE_TABLE,
    NOTIFICATION_COLUMNS,
    NOTIFICATION_TABLE,
    STREAM_TABLE,
)
from web.notifications.models import Notice, Notification, StreamEvent, UserStream


def test_the_realtime_process_reads_the_tables_the_models_write():
    assert UserStream._meta.db_table == STREAM_TABLE
    assert StreamEvent._meta.db_table == EVENT_TABLE
    assert Notification._meta.db_table == NOTIFICATION_TABLE
    assert Notice._meta.db_table == NOTICE_TABLE


def test_the_columns_it_builds_a_notification_from_are_the_models():
    assert {f.column for f in StreamEvent._meta.concrete_fields} >= {"notification_id", "payload", "seq", "type"}
    assert {f.column for f in Notification._meta.concrete_fields} >= {*NOTIFICATION_COLUMNS, "notice_id"}
    assert {f.column for f in Notice._meta.concrete_fields} >= set(NOTICE_COLUMNS)
