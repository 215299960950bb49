"""Turning one event into per-user notifications, numbered in each user's stream."""

import logging
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from realtime.publish import publish_wakeups
from web.notifications.events import NotificationEvent
from web.notifications.models import Notification, StreamEvent, UserStream
from web.notifications.recipients import recipient_ids
from web.redis_client import get_redis

log = logging.getLogger(__name__)
User = get_user_model()


@dataclass(frozen=True)
class Delivered:
    user_id: int
    seq: int
    notification_id: int


def deliver(event: NotificationEvent) -> list[Delivered]:
    """Store the event's notifications and wake the recipients' polls.

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
        UserStream.objects.bulk_create([UserStream(user_id=u) for u in new_user_ids], ignore_conflicts=True)
        # Locked in user order so two deliveries never wait on each other in a cycle.
        streams = list(UserStream.objects.select_for_update().filter(user_id__in=new_user_ids).order_by("user_id"))
        created = datetime.fromisoformat(event.occurred_at)
        # The actor may have been deleted since acting; the name is kept.
        actor_id = event.actor_id if User.objects.filter(pk=event.actor_id).exists() else None
        notifications = Notification.objects.bulk_create(
            [_notification(event, stream.user_id, created, actor_id) for stream in streams]
        )
        stream_events = []
        for stream, notification in zip(streams, notifications):
            stream.last_seq += 1
            stream.unread += 1
            stream_events.append(
                StreamEvent(
                    user_id=stream.user_id,
                    seq=stream.last_seq,
                    type="notification.created",
                    payload={"unread": stream.unread, "notification": notification.as_event_payload()},
                )
            )
        UserStream.objects.bulk_update(streams, ["last_seq", "unread"])
        StreamEvent.objects.bulk_create(stream_events)
        delivered = [Delivered(s.user_id, s.last_seq, n.pk) for s, n in zip(streams, notifications)]
        transaction.on_commit(lambda: _wake(delivered))
    return delivered


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


def _wake(delivered: list[Delivered]) -> None:
    try:
        publish_wakeups(get_redis(), [(d.user_id, d.seq) for d in delivered])
    except Exception:
        # The events are committed; a poll that misses this wake-up still
        # finds them at its next read (the hold timeout at the latest).
        log.warning("could not publish wake-ups for %d users", len(delivered), exc_info=True)
