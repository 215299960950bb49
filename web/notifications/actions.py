"""What a user does to their notifications: change, count and stream event in one transaction."""

from django.db import transaction
from django.utils import timezone

from web.notifications import stream
from web.notifications.models import Notification

READ_ALL_IDS_MAX = 1000


def mark_read(user, notification_id: int) -> Notification:
    """Raises Notification.DoesNotExist for someone else's notification, like a missing one."""
    return _set_read(user, notification_id, read=True)


def mark_unread(user, notification_id: int) -> Notification:
    return _set_read(user, notification_id, read=False)


def open_notification(user, notification_id: int) -> Notification:
    """Opening a notification reads it; its ``link`` is where it leads ("" when its target is gone)."""
    return mark_read(user, notification_id)


def mark_all_read(user, flt=None) -> int:
    """Mark read every unread notification of the user, or those matching ``flt`` (a NotificationFilter)."""
    with transaction.atomic():
        stream.lock([user.pk])
        unread = Notification.objects.filter(user=user, read_at__isnull=True)
        if flt is not None:
            unread = flt.apply(unread)
        ids = sorted(unread.values_list("pk", flat=True))
        if not ids:
            return 0
        now = timezone.now()
        Notification.objects.filter(pk__in=ids).update(read_at=now)
        # The event names the newest ids only: a page shows the newest, and
        # one event must stay small enough for Redis and every open tab.
        # "complete" tells a tab showing older rows to reload them.
        named = ids[-READ_ALL_IDS_MAX:]
        stream.append([stream.Change(user.pk, "notifications.read_all",
                                     {"ids": named, "complete": len(named) == len(ids), "read_at": now.isoformat()},
                                     unread_to=_unread_count(user))])
    return len(ids)


def _set_read(user, notification_id: int, *, read: bool) -> Notification:
    with transaction.atomic():
        stream.lock([user.pk])
        notification = (Notification.objects.select_related("notice").select_for_update(of=("self",))
                        .get(pk=notification_id, user=user))
        if (notification.read_at is not None) == read:
            return notification  # already so: no event, the count stands
        notification.read_at = timezone.now() if read else None
        notification.save(update_fields=["read_at"])
        stream.append([stream.Change(
            user.pk,
            "notification.read" if read else "notification.unread",
            {"id": notification.pk, "read_at": notification.read_at.isoformat() if read else None},
            unread_to=_unread_count(user),
        )])
    return notification


def _unread_count(user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
