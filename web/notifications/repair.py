"""Putting a user's unread count back in line with their notifications.

The count in ``UserStream.unread`` is kept by every change that reads,
unreads or adds a notification, in that change's transaction. The rows are
the truth: the count is the number of the user's notifications with
``read_at`` unset. Anything that moves the rows without going through those
changes (a row deleted or edited by hand, a restore, a bug) leaves the count
wrong; this finds and fixes it.

A fix is a stream event ("notifications.recount") like any other change, so
the user's open pages see the right count at their next answer instead of at
their next reload.
"""

from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Max

from web.notifications import stream
from web.notifications.models import Notification, StreamEvent, UserStream

RECOUNT = "notifications.recount"


@dataclass(frozen=True)
class Drift:
    """A user whose recorded count (``recorded``) is not their true one (``actual``)."""

    user_id: int
    recorded: int
    actual: int


def find_drift() -> list[Drift]:
    """Every user whose count differs from their notifications, in one statement.

    One statement is one snapshot: a change commits its rows and its count
    together, so a difference seen here is a real one, not a change caught
    half way. Users with neither a stream nor an unread notification cannot
    differ and are not read at all. The unread rows are counted from the
    partial index on unread notifications.
    """
    sql = f"""
        SELECT COALESCE(s.user_id, n.user_id), COALESCE(s.unread, 0), COALESCE(n.unread, 0)
        FROM {UserStream._meta.db_table} s
        FULL JOIN (SELECT user_id, count(*) AS unread FROM {Notification._meta.db_table}
                   WHERE read_at IS NULL GROUP BY user_id) n ON n.user_id = s.user_id
        WHERE COALESCE(s.unread, 0) <> COALESCE(n.unread, 0)
        ORDER BY 1
    """
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return [Drift(*row) for row in cursor.fetchall()]


def check(user_id: int) -> Drift | None:
    """The user's difference, if any, without changing anything."""
    recorded = UserStream.objects.filter(user_id=user_id).values_list("unread", flat=True).first() or 0
    actual = _unread(user_id)
    return Drift(user_id, recorded, actual) if recorded != actual else None


def rebuild(user_id: int) -> Drift | None:
    """Set the user's count to their true one; the difference fixed, or None when there was none.

    The stream is locked before counting, as every change that counts does,
    so no delivery or read can land between the count and its event.
    """
    with transaction.atomic():
        recorded = stream.lock([user_id])[user_id].unread
        actual = _unread(user_id)
        if recorded == actual:
            return None
        _resume_numbering(user_id)
        stream.append([stream.Change(user_id, RECOUNT, {"was": recorded}, unread_to=actual)])
    return Drift(user_id, recorded, actual)


def rebuild_all() -> list[Drift]:
    """Find every difference cheaply, then fix each under its user's lock.

    A difference gone by the time its user is locked (a read since recounted
    the user) is left alone and not reported.
    """
    return [fixed for drift in find_drift() if (fixed := rebuild(drift.user_id)) is not None]


def _resume_numbering(user_id: int) -> None:
    """Number after the user's last event even if their stream row was lost and made anew at 0.

    Otherwise the recount would take a number already used and fail.
    """
    last = StreamEvent.objects.filter(user_id=user_id).aggregate(last=Max("seq"))["last"] or 0
    UserStream.objects.filter(user_id=user_id, last_seq__lt=last).update(last_seq=last)


def _unread(user_id: int) -> int:
    return Notification.objects.filter(user_id=user_id, read_at__isnull=True).count()
