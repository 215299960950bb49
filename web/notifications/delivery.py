"""Turning events into per-user notifications, numbered in each user's stream."""

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from web.accounts.preferences import EVERYTHING, wants_of
from web.notifications import rows, stream
from web.notifications.audience import choose
from web.notifications.events import NotificationEvent
from web.notifications.models import Notification, ProcessedEvent
from web.notifications.payload import event_payload
from web.notifications.text import reasons_in_words
from web.postgres.arrays import json_rows
from web.postgres.lookups import Ids

User = get_user_model()


@dataclass(frozen=True)
class Delivered:
    user_id: int
    seq: int
    notification_id: int


def deliver(event: NotificationEvent) -> list[Delivered]:
    """Store one event's notifications: :func:`deliver_many` of one."""
    return deliver_many([event])


def deliver_many(events: Sequence[NotificationEvent]) -> list[Delivered]:
    """Store the events' notifications, numbered in each recipient's stream, in one transaction.

    Each event names its recipients (see web.notifications.audience).
    Idempotent: a processed event, or a recipient who already has a
    notification for the event's action, gets nothing new, so a redelivered
    record changes nothing. Many events in one transaction is what makes the
    pipeline fast: the statements per batch are the same for 1 or 1,000
    events, and so is the Redis round trip.
    """
    if not events:
        return []
    try:
        return _store(events)
    except IntegrityError:
        # A concurrent delivery of the same action won the race for some
        # recipient; run again and skip whoever it already served.
        return _store(events)


def _store(events: Sequence[NotificationEvent]) -> list[Delivered]:
    with transaction.atomic():
        events = _unprocessed(events)
        if not events:
            return []
        recipients = {r["user"] for event in events for r in event.recipients}
        existing = set(User.objects.filter(pk__any=Ids(recipients)).values_list("pk", flat=True))
        already = _already_told(events, existing)
        wants = wants_of(existing)
        actors = set(User.objects.filter(pk__in={e.actor_id for e in events}).values_list("pk", flat=True))
        wanted = [(event, _still_wanted(event, existing, already, wants)) for event in events]
        group_keys = GroupKeys.of(wanted)
        notifications = []
        for event, people in wanted:
            # The actor may have been deleted since acting; the name is kept.
            actor_id = event.actor_id if event.actor_id in actors else None
            created = datetime.fromisoformat(event.occurred_at)
            for user_id, reasons, kind, group in people:
                n = rows.NewNotification.of(event, user_id, reasons, kind, group, actor_id=actor_id, created=created,
                                            group_key=group_keys.assign(event, created, user_id, kind))
                # What you did yourself arrives read: you know it already (unless you asked to count it).
                if n.kind == "owner" and not wants.get(n.user_id, EVERYTHING).count_own_actions:
                    n.read_at = n.created
                notifications.append(n)
        rows.insert(notifications)
        told = defaultdict(int)
        for n in notifications:
            told[n.event_id] += 1
        ProcessedEvent.objects.bulk_create([
            ProcessedEvent(event_id=event.id, action_id=event.action_id, delivered=told[event.id])
            for event in events
        ])
        changes = [
            # "why": the reasons in the words the page shows, for a row the browser adds live.
            stream.Change(n.user_id, "notification.created",
                          {"notification": {**event_payload(n), "why": reasons_in_words(n)}},
                          unread_delta=0 if n.read_at else 1)
            for n in notifications
        ]
        # The users' streams are locked last (by append, in user order), so
        # that two batches for the same people (a busy group) wait on each
        # other only for numbering, not for the rows written before it.
        entries = stream.append(changes)
    return [Delivered(e.user_id, e.seq, n.id) for e, n in zip(entries, notifications, strict=True)]


def _unprocessed(events: Sequence[NotificationEvent]) -> list[NotificationEvent]:
    """The events not stored before, each once (a batch may carry a redelivered record twice)."""
    # Ids as PostgreSQL spells them, which is what they are compared with from here on.
    events = [replace(e, id=str(uuid.UUID(e.id)), action_id=str(uuid.UUID(e.action_id))) for e in events]
    done = {str(event_id) for event_id in
            ProcessedEvent.objects.filter(event_id__in=[e.id for e in events]).values_list("event_id", flat=True)}
    fresh = {}
    for event in events:
        if event.id not in done:
            fresh.setdefault(event.id, event)
    return list(fresh.values())


def _already_told(events: Sequence[NotificationEvent], users: set[int]) -> set[tuple[str, int]]:
    """(action, user) pairs already stored: one statement for the batch."""
    pairs = (Notification.objects
             .filter(action_id__in={e.action_id for e in events}, user_id__any=Ids(users))
             .values_list("action_id", "user_id"))
    return {(str(action_id), user_id) for action_id, user_id in pairs}


def _still_wanted(event: NotificationEvent, existing: set[int], already: set[tuple[str, int]],
                  wants: dict) -> list[tuple[int, list, str, dict | None]]:
    """(user, reasons, kind, group) of each recipient still to tell.

    Not deleted since, not told already; and as the kind they want now: one
    who turned this kind off (or muted the group) since the action is told as
    the next kind their reasons allow (a watcher in the group, as a member),
    or not at all.
    """
    wanted = []
    for r in sorted(event.recipients, key=lambda r: r["user"]):
        user_id = r["user"]
        if user_id not in existing or (event.action_id, user_id) in already:
            continue
        choice = choose(r["reasons"], wants.get(user_id, EVERYTHING))
        if choice is not None:
            wanted.append((user_id, r["reasons"], *choice))
    return wanted


class GroupKeys:
    """Each new notification's group: the one the user's last notification of that kind about that
    target is in, if it came within NOTIFICATION_GROUP_MINUTES; else a new one.

    One statement for the whole batch; events are then assigned in order, so
    a later event of the batch joins the group an earlier one started.
    """

    def __init__(self, latest: dict, window: timedelta):
        self._latest = latest  # (user, kind, target type, target id) -> (group key, created)
        self._window = window

    @classmethod
    def of(cls, wanted: list[tuple[NotificationEvent, list]]) -> "GroupKeys":
        window = timedelta(minutes=settings.NOTIFICATION_GROUP_MINUTES)
        wheres = {(user_id, kind, event.target_type, event.target_id)
                  for event, people in wanted for user_id, _, kind, _ in people}
        if not wheres:
            return cls({}, window)
        with transaction.get_connection().cursor() as cursor:
            cursor.execute(_LATEST_GROUPS, [json_rows([{"user_id": user_id, "kind": kind, "target_type": target_type,
                                                        "target_id": target_id}
                                                       for user_id, kind, target_type, target_id in sorted(wheres)])])
            latest = {(user_id, kind, target_type, target_id): (key, created)
                      for user_id, kind, target_type, target_id, key, created in cursor.fetchall()}
        return cls(latest, window)

    def assign(self, event: NotificationEvent, created: datetime, user_id: int, kind: str) -> str:
        where = (user_id, kind, event.target_type, event.target_id)
        found = self._latest.get(where)
        if found is not None and found[1] >= created - self._window:
            key = found[0]
        else:
            key = f"{kind}:{event.target_type}:{event.target_id}:{event.id.replace('-', '')[:12]}"
        if found is None or created >= found[1]:
            self._latest[where] = (key, created)
        return key


# Per (user, kind, target), the newest row by id: one index step each on
# (user, target type, target id, id) however many rows a user has about the
# target; whether it is within the window is checked after. (Newest by id,
# not by ``created``: the same but for events delivered out of order, where
# either group is a fair answer.)
_LATEST_GROUPS = f"""
SELECT t.user_id, t.kind, t.target_type, t.target_id, n.group_key, n.created
FROM json_to_recordset(%s::json) AS t(user_id int, kind text, target_type text, target_id bigint)
CROSS JOIN LATERAL (
  SELECT group_key, created FROM {Notification._meta.db_table}
  WHERE user_id = t.user_id AND target_type = t.target_type AND target_id = t.target_id
    AND kind = t.kind AND group_key <> ''
  ORDER BY id DESC LIMIT 1
) AS n
"""


def prune_processed(older_than_days: int) -> int:
    """Forget which events were processed, past the time Kafka could still redeliver them.

    Redelivery after that is still harmless: a notification is unique per
    user and action.
    """
    cutoff = timezone.now() - timedelta(days=older_than_days)
    deleted, _ = ProcessedEvent.objects.filter(processed_at__lt=cutoff).delete()
    return deleted
