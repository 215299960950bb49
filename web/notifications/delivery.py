"""Turning one event into per-user notifications, numbered in each user's stream."""

from dataclasses import dataclass
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
    """Store the event's notifications, numbered in each recipient's stream.

    The event names its recipients (see web.notifications.audience). Idempotent:
    a processed event, or a recipient who already has a notification for this
    action, gets nothing new, so a redelivered record changes nothing.
    """
    try:
        return _store(event)
    except IntegrityError:
        # A concurrent delivery of the same action won the race for some
        # recipient; run again and skip whoever it already served.
        return _store(event)


def _store(event: NotificationEvent) -> list[Delivered]:
    with transaction.atomic():
        if ProcessedEvent.objects.filter(event_id=event.id).exists():
            return []
        wanted, wants = _still_wanted(event)
        # The actor may have been deleted since acting; the name is kept.
        actor_id = event.actor_id if User.objects.filter(pk=event.actor_id).exists() else None
        keys = _group_keys(event, [(user_id, kind) for user_id, _, kind, _ in wanted])
        notifications = [_notification(event, user_id, reasons, kind, group, actor_id, keys[user_id, kind])
                         for user_id, reasons, kind, group in wanted]
        for n in notifications:
            # What you did yourself arrives read: you know it already (unless you asked to count it).
            if n.kind == "owner" and not wants.get(n.user_id, EVERYTHING).count_own_actions:
                n.read_at = n.created
        notifications = Notification.objects.bulk_create(notifications)
        entries = stream.append([
            # "why": the reasons in the words the page shows, for a row the browser adds live.
            stream.Change(n.user_id, "notification.created",
                          {"notification": {**n.as_event_payload(), "why": reasons_in_words(n)}},
                          unread_delta=0 if n.read_at else 1)
            for n in notifications
        ])
        ProcessedEvent.objects.create(event_id=event.id, action_id=event.action_id, delivered=len(notifications))
    return [Delivered(e.user_id, e.seq, n.pk) for e, n in zip(entries, notifications)]


def _still_wanted(event: NotificationEvent) -> tuple[list[tuple[int, list, str, dict | None]], dict]:
    """(user, reasons, kind, group) of each recipient still to tell, and what each wants.

    Not deleted since, not told already; and as the kind they want now: one
    who turned this kind off (or muted the group) since the action is told as
    the next kind their reasons allow (a watcher in the group, as a member),
    or not at all.
    """
    reasons = {r["user"]: r["reasons"] for r in event.recipients}
    ids = list(reasons)
    existing = set(User.objects.filter(pk__in=ids).values_list("pk", flat=True))
    already = set(Notification.objects.filter(action_id=event.action_id, user_id__in=ids).values_list("user_id", flat=True))
    wants = wants_of(existing)
    wanted = []
    for user_id in sorted(existing - already):
        choice = choose(reasons[user_id], wants.get(user_id, EVERYTHING))
        if choice is not None:
            wanted.append((user_id, reasons[user_id], *choice))
    return wanted, wants


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
