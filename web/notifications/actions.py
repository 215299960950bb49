"""What a user does to their notifications: change, count and stream event in one transaction."""

from django.db import transaction
from django.utils import timezone

from web.notifications import stream
from web.notifications.models import Notification

READ_ALL_IDS_MAX = 1000
# A bulk change names its notifications one by one: ten pages of the list is
# more than anyone ticks, and keeps one event (every id in it) small.
BULK_IDS_MAX = 500


class BulkRefused(ValueError):
    """A bulk change that changes nothing: no ids, or more than BULK_IDS_MAX."""


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


def mark_read_many(user, ids) -> int:
    """Mark read these notifications of the user; how many changed.

    All or nothing: an id that is not the user's (or not at all) raises
    Notification.DoesNotExist and nothing changes.
    """
    return _set_read_many(user, ids, read=True)


def mark_unread_many(user, ids) -> int:
    return _set_read_many(user, ids, read=False)


def _set_read_many(user, ids, *, read: bool) -> int:
    ids = sorted(set(ids))
    if not ids:
        raise BulkRefused("Select at least one notification.")
    if len(ids) > BULK_IDS_MAX:
        raise BulkRefused(f"At most {BULK_IDS_MAX} notifications at once ({len(ids)} selected).")
    with transaction.atomic():
        stream.lock([user.pk])
        mine = list(Notification.objects.select_for_update().filter(user=user, pk__in=ids)
                    .values_list("pk", "read_at"))
        if len(mine) != len(ids):
            raise Notification.DoesNotExist("No such notification")
        changing = [pk for pk, read_at in mine if (read_at is not None) != read]
        if not changing:
            return 0  # already so: no event, the count stands
        now = timezone.now() if read else None
        Notification.objects.filter(pk__in=changing).update(read_at=now)
        stream.append([stream.Change(
            user.pk,
            "notifications.read" if read else "notifications.unread",
            {"ids": sorted(changing), "read_at": now.isoformat() if read else None},
            unread_to=_unread_count(user),
        )])
    return len(changing)


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
