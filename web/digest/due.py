"""Who is due a digest now, by each user's next slot, and moving that slot on once it is served.

Each user's preferences row holds the next moment of their schedule in UTC
(``digest_next_at``, web/accounts/schedule.py computes it), in a partial index
of the rows with the digest on: beat's frequent check reads the due rows
alone, however many users there are. A chunk locks its due rows (FOR UPDATE
SKIP LOCKED) in the transaction that mails them, and moves each to its next
slot after now, whether or not anything was new: a slot is served once, by
one run, and a slot missed while beat or the workers were down is served once
when they return, not once per slot missed.
"""

from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Min

from web.accounts.models import NotificationPreferences
from web.accounts.preferences import next_digest_after
from web.digest.models import MailRefusal
from web.postgres.arrays import int_array

# What the next slot is computed from (and nothing else of the row is read).
SCHEDULE_FIELDS = ("user_id", "digest", "digest_every", "digest_hour", "digest_weekday", "time_zone",
                   "digest_next_at")


def schedule_newcomers(now: datetime) -> int:
    """Give a first slot to whoever has none: an active user with an address and no preferences row gets one
    with the defaults (hourly, in the server's zone), and a row with the digest on and no slot (one from
    before schedules) gets its own schedule's. The new slot is the first after now: nothing is sent for the
    time before. How many were scheduled."""
    users = list(get_user_model().objects.filter(is_active=True, notification_preferences__isnull=True)
                 .exclude(email="").values_list("id", flat=True))
    if users:
        first = next_digest_after(NotificationPreferences(), now)
        NotificationPreferences.objects.bulk_create(
            [NotificationPreferences(user_id=user_id, digest_next_at=first) for user_id in users],
            ignore_conflicts=True)  # (a row saved meanwhile by the user is theirs)
    rows = list(NotificationPreferences.objects.filter(digest=True, digest_next_at__isnull=True)
                .only(*SCHEDULE_FIELDS))
    _move(rows, now, retry_at={})
    return len(users) + len(rows)


def users_due(now: datetime) -> list[int]:
    """The users whose slot has come, in id order: one statement on the partial index preferences_digest_due."""
    return list(NotificationPreferences.objects.filter(digest=True, digest_next_at__lte=now)
                .order_by("user_id").values_list("user_id", flat=True))


def bring_forward(now: datetime) -> int:
    """Every schedule due now (``send_digests --due-now``, a demo's "send it now"). The slot each moves to
    after the run is the one it had: the first after now."""
    return NotificationPreferences.objects.filter(digest=True, digest_next_at__gt=now).update(digest_next_at=now)


def lock_due(user_ids: list[int], now: datetime) -> list[NotificationPreferences]:
    """Lock these users' rows that are still due, for this transaction. SKIP LOCKED: a row another run holds
    is its to serve; one it served and committed is no longer due when this statement reaches it (PostgreSQL
    checks the newest version of a row it locks), so it is not taken either. Must run inside a transaction."""
    return list(NotificationPreferences.objects.filter(user_id__in=user_ids, digest=True, digest_next_at__lte=now)
                .select_for_update(skip_locked=True).only(*SCHEDULE_FIELDS).order_by("user_id"))


def served(rows: list[NotificationPreferences], now: datetime, *, retry_at: dict[int, datetime]) -> None:
    """These rows' slots were served at ``now``: each moves to its schedule's next slot, or, for a user whose
    mail waits out a temporary refusal (``retry_at``), to its retry if that comes sooner, so a mail server's
    hour of trouble does not cost a weekly reader their week."""
    _move(rows, now, retry_at=retry_at)


def retries_of(user_ids: set[int]) -> dict[int, datetime]:
    """When each of these users' temporary refusals lets their mail be tried again (none: not asked)."""
    if not user_ids:
        return {}
    return dict(MailRefusal.objects.filter(user_id__in=user_ids, permanent=False, retry_after__isnull=False)
                .values("user_id").annotate(at=Min("retry_after")).values_list("user_id", "at"))


def _move(rows: list[NotificationPreferences], now: datetime, *, retry_at: dict[int, datetime]) -> None:
    """One statement for any number of rows."""
    if not rows:
        return
    moments = []
    for row in rows:
        moment = next_digest_after(row, now)
        retry = retry_at.get(row.user_id)
        moments.append(min(moment, retry) if retry and moment else moment)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {NotificationPreferences._meta.db_table} p SET digest_next_at = v.at"
            " FROM unnest(%s::bigint[], %s::timestamptz[]) AS v(user_id, at) WHERE p.user_id = v.user_id",
            [int_array(row.user_id for row in rows), "{" + ",".join(m.isoformat() for m in moments) + "}"])
