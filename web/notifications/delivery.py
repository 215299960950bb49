"""Turning one event into per-user notifications, numbered in each user's stream."""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from web.notifications import stream
from web.notifications.events import NotificationEvent
from web.notifications.models import Notification
from web.notifications.recipients import recipient_ids

User = get_user_model()


@dataclass(frozen=True)
class Delivered:
    user_id: int
    seq: int
    notification_id: int


def deliver(event: NotificationEvent) -> list[Delivered]:
    """Store the event's notifications, numbered in each recipient's stream.

    Idempotent: a recipient who already has a notification for this action
    gets nothing new, so a redelivered record changes nothing.
    """
    try:
        delivered = _store(event, recipient_ids(event))
    except IntegrityError:
        # A concurrent delivery of the same action won the race for some
        # recipient; run again and skip whoever it already served.
        delivered = _store(event, recipient_ids(event))
    return delivered


def _store(event: NotificationEvent, user_ids: list[int]) -> list[Delivered]:
    with transaction.atomic():
        already = set(
            Notification.objects.filter(action_id=event.action_id, user_id__in=user_ids).values_list("user_id", flat=True)
        )
        # A recipient deleted since the action has no one left to tell.
        existing = set(User.objects.filter(pk__in=user_ids).values_list("pk", flat=True))
        new_user_ids = sorted(existing - already)
        if not new_user_ids:
            return []
        created = datetime.fromisoformat(event.occurred_at)
        # The actor may have been deleted since acting; the name is kept.
        actor_id = event.actor_id if event.actor_id in existing or User.objects.filter(pk=event.actor_id).exists() else None
        notifications = Notification.objects.bulk_create(
            [_notification(event, user_id, created, actor_id) for user_id in new_user_ids]
        )
        entries = stream.append([
            stream.Change(n.user_id, "notification.created", {"notification": n.as_event_payload()}, unread_delta=1)
            for n in notifications
        ])
    return [Delivered(e.user_id, e.seq, n.pk) for e, n in zip(entries, notifications)]


def _notification(event: NotificationEvent, user_id: int, created: datetime, actor_id: int | None) -> Notification:
    return Notification(
        user_id=user_id,
        event_id=event.id,
        action_id=event.action_id,
        kind=event.kind,
        verb=event.verb,
        actor_id=actor_id,
        actor_name=event.actor_name,
        target_type=event.target_type,
        target_id=event.target_id,
        target_name=event.target_name,
        group_id=event.group_id,
        group_name=event.group_name,
        link=event.link,
        reasons=[event.kind],
        created=created,
    )
