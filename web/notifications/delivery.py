"""Turning one event into per-user notifications, numbered in each user's stream."""

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
from web.notifications import stream
from web.notifications.audience import choose
from web.notifications.events import NotificationEvent
from web.notifications.models import Notification, ProcessedEvent
from web.notifications.text import reasons_in_words

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
    events (but for each event's group keys), and so is the Redis round trip.
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
        existing = set(User.objects.filter(pk__in=recipients).values_list("pk", flat=True))
        # Locked before anything is read or written for these users, in user
        # order: two batches sharing users wait on each other in turn, never
        # in a cycle, and each user's group keys are read with nothing in between.
        streams = stream.lock(existing)
        already = _already_told(events, existing)
        wants = wants_of(existing)
        actors = set(User.objects.filter(pk__in={e.actor_id for e in events}).values_list("pk", flat=True))
        notifications = []
        for event in events:
            wanted = _still_wanted(event, existing, already, wants)
            keys = _group_keys(event, [(user_id, kind) for user_id, _, kind, _ in wanted])
            # The actor may have been deleted since acting; the name is kept.
            actor_id = event.actor_id if event.actor_id in actors else None
            for user_id, reasons, kind, group in wanted:
                n = _notification(event, user_id, reasons, kind, group, actor_id, keys[user_id, kind])
                # What you did yourself arrives read: you know it already (unless you asked to count it).
                if n.kind == "owner" and not wants.get(n.user_id, EVERYTHING).count_own_actions:
                    n.read_at = n.created
                notifications.append(n)
                already.add((event.action_id, user_id))
        notifications = Notification.objects.bulk_create(notifications)
        entries = stream.append([
            # "why": the reasons in the words the page shows, for a row the browser adds live.
            stream.Change(n.user_id, "notification.created",
                          {"notification": {**n.as_event_payload(), "why": reasons_in_words(n)}},
                          unread_delta=0 if n.read_at else 1)
            for n in notifications
        ], streams=streams)
        told = defaultdict(int)
        for n in notifications:
            told[n.event_id] += 1
        ProcessedEvent.objects.bulk_create([
            ProcessedEvent(event_id=event.id, action_id=event.action_id, delivered=told[uuid.UUID(event.id)])
            for event in events
        ])
    return [Delivered(e.user_id, e.seq, n.pk) for e, n in zip(entries, notifications)]


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
             .filter(action_id__in={e.action_id for e in events}, user_id__in=users)
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


def _group_keys(event: NotificationEvent, recipients: list[tuple[int, str]]) -> dict[tuple[int, str], str]:
    """Each (user, kind)'s group: the one their last notification of that kind about this target
    is in, if it came within NOTIFICATION_GROUP_MINUTES; else a new one. One statement."""
    if not recipients:
        return {}
    since = datetime.fromisoformat(event.occurred_at) - timedelta(minutes=settings.NOTIFICATION_GROUP_MINUTES)
    recent = (Notification.objects
              .filter(user_id__in={user_id for user_id, _ in recipients}, target_type=event.target_type,
                      target_id=event.target_id, created__gte=since)
              .exclude(group_key="")
              .order_by("user_id", "kind", "-created", "-id").distinct("user_id", "kind")
              .values_list("user_id", "kind", "group_key"))
    found = {(user_id, kind): key for user_id, kind, key in recent}
    new = f"{event.target_type}:{event.target_id}:{event.id.replace('-', '')[:12]}"
    return {(user_id, kind): found.get((user_id, kind), f"{kind}:{new}") for user_id, kind in recipients}


def _notification(event: NotificationEvent, user_id: int, reasons: list, kind: str, group: dict | None,
                  actor_id: int | None, group_key: str) -> Notification:
    if kind == event.kind:
        group_id, group_name = event.group_id, event.group_name
    else:
        group_id, group_name = (group["id"], group["name"]) if group else (None, "")
    return Notification(
        user_id=user_id,
        event_id=event.id,
        action_id=event.action_id,
        kind=kind,
        verb=event.verb,
        actor_id=actor_id,
        actor_name=event.actor_name,
        target_type=event.target_type,
        target_id=event.target_id,
        target_name=event.target_name,
        graph_id=event.graph_id,
        graph_name=event.graph_name,
        group_id=group_id,
        group_name=group_name,
        member_id=event.member_id,
        member_name=event.member_name,
        old_name=event.old_name,
        link=event.link,
        reasons=reasons,
        created=datetime.fromisoformat(event.occurred_at),
        group_key=group_key,
    )


def prune_processed(older_than_days: int) -> int:
    """Forget which events were processed, past the time Kafka could still redeliver them.

    Redelivery after that is still harmless: a notification is unique per
    user and action.
    """
    cutoff = timezone.now() - timedelta(days=older_than_days)
    deleted, _ = ProcessedEvent.objects.filter(processed_at__lt=cutoff).delete()
    return deleted
