"""Digest bench data: N users with an address, a digest schedule and a zone, and K unread notifications each.

    python -m bench.digest_seed N K HOUR      (HOUR: the bench's hour's end, ISO 8601 in UTC)

Run with the bench database's environment. Each user's notifications are
about a few graphs, by a few colleagues, as a week of group work would
leave them: some group under one target (5 updates by bob and 2 others),
some alone. All are an hour old, so none waits for the settle time.

Schedules and zones are spread as SCHEDULES and ZONES say. Each user's next
slot is the first after the hour before HOUR, as web/accounts/schedule.py
computes it: the users due in that hour are the ones whose slot is at or
before HOUR. The table ``bench_digest_slot`` keeps those slots, for
bench/digest.py to set each run's, moved so that HOUR is the run's start.
"""

import os
import random
import sys
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings.dev")

import django

django.setup()

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from bench.digest_spread import MORNING, SCHEDULES, ZONES
from bench.schema import schema_of
from web.accounts.models import NotificationPreferences
from web.accounts.schedule import Schedule, next_digest
from web.notifications.models import Notification, UserStream

BATCH = 2000
COLLEAGUES = 40
GRAPHS = 300
# Others' actions: a user's own arrive read, so they are never mailed.
VERBS = (("group", "updated"), ("group", "shared"), ("watching", "updated"), ("watching", "deleted"))


def schedule_for(rng) -> tuple[bool, Schedule]:
    """(digest on, schedule): daily and weekly at 08:00 for half of them, at any hour for the rest."""
    every = rng.choices([e for _, e in SCHEDULES], weights=[w for w, _ in SCHEDULES])[0]
    hour = MORNING if rng.random() < 0.5 else rng.randrange(24)
    if every == "off":
        return False, Schedule("daily", hour)
    return True, Schedule(every, hour, rng.randrange(7))


def main():
    n, per_user, hour_end = int(sys.argv[1]), int(sys.argv[2]), datetime.fromisoformat(sys.argv[3])
    rng = random.Random(7)
    User = get_user_model()
    password = make_password("bench-password")
    now = timezone.now()
    with connection.cursor() as cur:
        store = store_on_notices if schema_of(cur).notices else store_whole_rows
    with transaction.atomic():
        colleagues = User.objects.bulk_create(
            [User(username=f"colleague{i}", email=f"colleague{i}@example.org", password=password)
             for i in range(COLLEAGUES)])
        for start in range(0, n, BATCH):
            users = User.objects.bulk_create(
                [User(username=f"reader{i}", email=f"reader{i}@example.org", password=password)
                 for i in range(start, min(n, start + BATCH))])
            UserStream.objects.bulk_create([UserStream(user=u, last_seq=per_user, unread=per_user) for u in users])
            NotificationPreferences.objects.bulk_create([preferences(u, rng, hour_end) for u in users])
            told = []  # (user, what the event says, the reasons the user is told for)
            for user in users:
                graphs = rng.sample(range(1, GRAPHS + 1), 2)
                for j in range(per_user):
                    kind, verb = rng.choice(VERBS)
                    graph = graphs[0] if j % 2 == 0 else graphs[1]
                    actor = rng.choice(colleagues)
                    said = dict(event_id=uuid.uuid4(), action_id=uuid.uuid4(), kind=kind, verb=verb, actor=actor,
                                actor_name=actor.username, target_type="graph", target_id=graph,
                                target_name=f"Yeast PPI network {graph}", graph_id=graph,
                                graph_name=f"Yeast PPI network {graph}", link=f"/graphs/{graph}/",
                                created=now - timedelta(minutes=60 + j))
                    told.append((user, said, [{"kind": kind}]))
            store(told)
        with connection.cursor() as cur:
            cur.execute("CREATE TABLE bench_digest_slot AS SELECT user_id, digest_next_at AS at"
                        " FROM accounts_notificationpreferences WHERE digest")
    due = NotificationPreferences.objects.filter(digest=True, digest_next_at__lte=hour_end).count()
    print(f"{n} users, {n * per_user} notifications; {due} due in the hour to {hour_end:%Y-%m-%d %H:%M} UTC",
          file=sys.stderr)


def preferences(user, rng, hour_end: datetime) -> NotificationPreferences:
    on, schedule = schedule_for(rng)
    zone_name = rng.choice(ZONES)
    zone = ZoneInfo(zone_name or "UTC")
    return NotificationPreferences(
        user=user, digest=on, digest_every=schedule.every, digest_hour=schedule.hour,
        digest_weekday=schedule.weekday, time_zone=zone_name,
        digest_next_at=next_digest(schedule, zone=zone, now=hour_end - timedelta(hours=1)) if on else None)


def store_whole_rows(told) -> None:
    """Each notification a row holding all it says (bench/schema.py)."""
    Notification.objects.bulk_create([Notification(user=user, reasons=reasons, **said)
                                      for user, said, reasons in told])


def store_on_notices(told) -> None:
    """One notice per event, as delivery stores it, each of its distinct reasons lists once; each reader a thin
    row over it (bench/schema.py)."""
    from web.notifications.models import Notice  # only where notices exist

    notices, rows = {}, []
    for user, said, reasons in told:
        notice = notices.get(said["event_id"])
        if notice is None:
            notice = notices[said["event_id"]] = Notice(reasons=[], **said)
        if reasons not in notice.reasons:
            notice.reasons.append(reasons)
        rows.append(Notification(user=user, notice=notice, reasons_index=notice.reasons.index(reasons)))
    Notice.objects.bulk_create(notices.values())
    Notification.objects.bulk_create(rows)
    # Each row's copy of its notice's words signatures, as delivery gives it (the model's default is 0).
    with connection.cursor() as cur:
        cur.execute("UPDATE notifications_notification r SET words_signature = n.signature,"
                    " words_signature_b = n.signature_b"
                    " FROM notifications_notice n WHERE n.id = r.notice_id AND r.id = ANY(%s)",
                    [[row.pk for row in rows]])


if __name__ == "__main__":
    main()
