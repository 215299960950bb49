"""What a user does to their notifications: change, count and stream event in one transaction.

Read and unread; done (out of the inbox, kept, and read) and back to the
inbox; saved (starred: kept from pruning, see prune_done); snoozed (out of
the inbox, and read, until a moment, when it comes back unread: wake_due).
Read, unread, done and saved also in bulk: the ticked ids, or every one
matching a filter (``matching``).
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from common.notification_text import grouping_key
from web.notifications import stream
from web.notifications.models import IN_INBOX, Notification
from web.notifications.queries import NotificationFilter

READ_ALL_IDS_MAX = 1000
# A bulk change names its notifications one by one: ten pages of the list is
# more than anyone ticks, and keeps one event (every id in it) small.
BULK_IDS_MAX = 500
# "All matching" changes at most this many (the newest) per press, and says how many it left for the next:
# a user with 100,000 matching must not hold their rows (and their stream, which every delivery to them
# waits on) locked for one long UPDATE. The ones changed are those not so already, so pressing again goes
# on from where the last press stopped. The event names only the newest READ_ALL_IDS_MAX of them.
# (Roughly, once, in the test database: 5,000 of a user's 100,000 took 160-180 ms, count included; one
# UPDATE of 95,000, as mark_all_read does, 1.8 s. Not a benchmark: bench/ has none for this yet.)
BULK_MATCHING_MAX = 5000


class BulkRefused(ValueError):
    """A bulk change that changes nothing: no ids, or more than BULK_IDS_MAX."""


class SnoozeRefused(ValueError):
    """A snooze that would end before it starts (web.notifications.snooze checks the choice itself)."""


@dataclass(frozen=True)
class BulkChange:
    """What a bulk change changed (ids, ascending), and how many matching it left for the next press."""

    ids: list[int] = field(default_factory=list)
    left: int = 0


def checked_ids(ids) -> list[int]:
    """The ids of a bulk change, sorted and distinct; BulkRefused for none or too many."""
    ids = sorted(set(ids))
    if not ids:
        raise BulkRefused("Select at least one notification.")
    if len(ids) > BULK_IDS_MAX:
        raise BulkRefused(f"At most {BULK_IDS_MAX} notifications at once ({len(ids)} selected).")
    return ids


def selected(user, ids=None, matching: NotificationFilter | None = None):
    """The user's notifications a bulk change is about, locked: these ids (all the user's, else
    Notification.DoesNotExist), or those ``matching`` a filter (not locked: the caller narrows them first).
    Call it inside the change's transaction, after stream.lock."""
    mine = Notification.objects.filter(user=user)
    if matching is not None:
        return matching.apply(mine)
    ids = checked_ids(ids or ())
    if len(mine.select_for_update(of=("self",)).filter(pk__in=ids).values_list("pk", flat=True)) != len(ids):
        raise Notification.DoesNotExist("No such notification")
    return mine.filter(pk__in=ids)


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


def mark_read_many(user, ids=None, *, matching: NotificationFilter | None = None) -> BulkChange:
    """Mark read these notifications of the user, or the newest BULK_MATCHING_MAX unread ones ``matching``.

    All or nothing: an id that is not the user's (or not at all) raises
    Notification.DoesNotExist and nothing changes.
    """
    return _bulk(user, ids, matching, pending=Q(read_at__isnull=True), type="notifications.read",
                 write=lambda now: {"read_at": now}, payload=lambda now: {"read_at": now.isoformat()})


def mark_unread_many(user, ids=None, *, matching: NotificationFilter | None = None) -> BulkChange:
    # Unread puts a done or snoozed one back in the inbox too: those are always read (mark_unread).
    return _bulk(user, ids, matching, pending=Q(read_at__isnull=False), type="notifications.unread",
                 write=lambda now: {"read_at": None, "done_at": None, "snoozed_until": None},
                 payload=lambda now: {"read_at": None})


def mark_done_many(user, ids=None, *, matching: NotificationFilter | None = None) -> BulkChange:
    """Done in bulk: the same event as mark_group_done's (``notifications.done``, the ids, the count after)."""
    return _bulk(user, ids, matching, pending=Q(done_at__isnull=True), type="notifications.done",
                 write=lambda now: {"done_at": now, "read_at": Coalesce("read_at", now), "snoozed_until": None},
                 payload=lambda now: {"done_at": now.isoformat()})


def save_many(user, ids=None, *, matching: NotificationFilter | None = None) -> BulkChange:
    return _bulk(user, ids, matching, pending=Q(saved=False), type="notifications.saved",
                 write=lambda now: {"saved": True}, counts=False)


def unsave_many(user, ids=None, *, matching: NotificationFilter | None = None) -> BulkChange:
    return _bulk(user, ids, matching, pending=Q(saved=True), type="notifications.unsaved",
                 write=lambda now: {"saved": False}, counts=False)


def _bulk(user, ids, matching, *, pending: Q, type: str, write, payload=lambda now: {},
          counts: bool = True) -> BulkChange:
    """One bulk change: those of the selection not so already (``pending``) changed by one UPDATE, and one
    event naming them (the newest READ_ALL_IDS_MAX, with ``complete``), with the exact count after when
    the change can move it (``counts``)."""
    with transaction.atomic():
        stream.lock([user.pk])
        todo = selected(user, ids, matching).filter(pending)
        left = 0
        if matching is not None:
            matched = todo.count()
            todo = Notification.objects.filter(
                pk__in=list(todo.order_by("-pk").values_list("pk", flat=True)[:BULK_MATCHING_MAX]))
            left = max(0, matched - BULK_MATCHING_MAX)
        changing = sorted(todo.select_for_update(of=("self",)).values_list("pk", flat=True))
        if not changing:
            return BulkChange(left=left)  # already so: no event, the count stands
        now = timezone.now()
        Notification.objects.filter(pk__in=changing).update(**write(now))
        named = changing[-READ_ALL_IDS_MAX:]
        stream.append([stream.Change(user.pk, type,
                                     {"ids": named, "complete": len(named) == len(changing), **payload(now)},
                                     unread_to=_unread_count(user) if counts else None)])
    return BulkChange(changing, left)


def mark_done(user, notification_id: int) -> Notification:
    """Out of the inbox, kept (not deleted) until pruned; done reads it, so the count drops as on GitHub."""
    return mark_group_done(user, notification_id=notification_id)[0]


def mark_group_done(user, *, notification_id: int | None = None, group: str = "") -> list[Notification]:
    """Mark done one notification, or every one of a group (its group_key) still in the inbox.

    Raises Notification.DoesNotExist when there is none of the user's: someone
    else's is like a missing one. One event names every id done, with the
    exact count after.
    """
    with transaction.atomic():
        stream.lock([user.pk])
        mine = Notification.objects.select_for_update(of=("self",)).filter(user=user)
        if notification_id is not None:
            found = list(mine.filter(pk=notification_id).select_related("notice"))
            if not found:
                raise Notification.DoesNotExist
            todo = [n for n in found if n.done_at is None]
        else:
            flt = NotificationFilter.from_params({"group": group})
            found = todo = list(flt.apply(mine.filter(IN_INBOX)).select_related("notice").order_by("id"))
            if not found:
                raise Notification.DoesNotExist
        if not todo:
            return found  # already done: no event, the count stands
        now = timezone.now()
        for n in todo:
            n.done_at = now
            n.read_at = n.read_at or now
            n.snoozed_until = None  # done is done: no longer coming back
        Notification.objects.bulk_update(todo, ["done_at", "read_at", "snoozed_until"])
        stream.append([stream.Change(user.pk, "notifications.done",
                                     {"ids": [n.pk for n in todo], "done_at": now.isoformat()},
                                     unread_to=_unread_count(user))])
    return found


def move_to_inbox(user, notification_id: int) -> Notification:
    """Done undone: back in the inbox, still read (Undo, and the Done view's "Move to inbox")."""
    with transaction.atomic():
        stream.lock([user.pk])
        notification = _locked(user, notification_id)
        if notification.done_at is None:
            return notification
        notification.done_at = None
        notification.save(update_fields=["done_at"])
        # (Still read: the count stands, and the stream carries it as it is.) Its group, for another tab to
        # fetch the row back into its list (GET /notifications/group/) and check it belongs there (its kind).
        stream.append([stream.Change(user.pk, "notification.undone",
                                     {"id": notification.pk, **_groups_of([notification])[0]})])
    return notification


def undo_done(user, ids: list[int]) -> int:
    """The Undo right after marking done (a group's too): those of ``ids`` that are the user's and done
    back in the inbox, still read, in one event; how many. Someone else's, or one pruned since: skipped."""
    with transaction.atomic():
        stream.lock([user.pk])
        moved = list(Notification.objects.filter(user=user, pk__in=ids, done_at__isnull=False)
                     .select_related("notice").select_for_update(of=("self",)).order_by("id"))
        if not moved:
            return 0
        Notification.objects.filter(pk__in=[n.pk for n in moved]).update(done_at=None)
        stream.append([stream.Change(user.pk, "notifications.undone",  # still read
                                     {"ids": [n.pk for n in moved], "groups": _groups_of(moved)})])
    return len(moved)


def _groups_of(notifications) -> list[dict]:
    """The groups (key and kind) these notifications show in, once each, as an event names them."""
    groups: dict[str, str] = {}
    for n in notifications:
        groups.setdefault(n.grouping_key, n.kind)
    return [{"group_key": key, "kind": kind} for key, kind in groups.items()]


def save(user, notification_id: int) -> Notification:
    """Star it: listed in the Saved view, and never pruned."""
    return _set_saved(user, notification_id, saved=True)


def unsave(user, notification_id: int) -> Notification:
    return _set_saved(user, notification_id, saved=False)


def _set_saved(user, notification_id: int, *, saved: bool) -> Notification:
    with transaction.atomic():
        stream.lock([user.pk])
        notification = _locked(user, notification_id)
        if notification.saved == saved:
            return notification
        notification.saved = saved
        notification.save(update_fields=["saved"])
        stream.append([stream.Change(user.pk, "notification.saved" if saved else "notification.unsaved",
                                     {"id": notification.pk})])  # no read state changed: the count stands
    return notification


def snooze(user, until: datetime, *, notification_id: int | None = None, group: str = "") -> list[Notification]:
    """Snooze one notification, or every one of a group (its group_key) in the inbox, until ``until``.

    Out of the inbox and read until then (the count drops, as for done);
    wake_due brings it back unread at that moment. Snoozing a snoozed one
    moves its moment; a done one comes out of the Done view to wait. Raises
    Notification.DoesNotExist when there is none of the user's (someone
    else's is like a missing one), SnoozeRefused for a moment not ahead.
    """
    with transaction.atomic():
        stream.lock([user.pk])
        now = timezone.now()
        if until <= now:
            raise SnoozeRefused("That time has passed; choose one in the future.")
        mine = Notification.objects.select_for_update(of=("self",)).filter(user=user)
        if notification_id is not None:
            found = list(mine.filter(pk=notification_id).select_related("notice"))
        else:
            flt = NotificationFilter.from_params({"group": group})
            found = list(flt.apply(mine.filter(IN_INBOX)).select_related("notice").order_by("id"))
        if not found:
            raise Notification.DoesNotExist
        for n in found:
            n.snoozed_until = until
            n.read_at = n.read_at or now
            n.done_at = None
        Notification.objects.bulk_update(found, ["snoozed_until", "read_at", "done_at"])
        stream.append([stream.Change(user.pk, "notifications.snoozed",
                                     {"ids": [n.pk for n in found], "until": until.isoformat()},
                                     unread_to=_unread_count(user))])
    return found


def wake(user, ids) -> int:
    """Wake early those of ``ids`` that are the user's and snoozed: back in the inbox, unread; how many.
    Someone else's, or one awake already: skipped (a wake that comes after the moment finds it back)."""
    with transaction.atomic():
        stream.lock([user.pk])
        return _wake(user.pk, Notification.objects.filter(user_id=user.pk, pk__in=list(ids),
                                                          snoozed_until__isnull=False))


def wake_due(now: datetime | None = None, *, users_per_pass: int = 200) -> int:
    """Wake every snoozed notification whose moment has come, whoever's: each user's in one
    transaction and one event, so their tabs take them back with an exact count. How many woke."""
    now = now or timezone.now()
    woken = 0
    while True:
        user_ids = list(Notification.objects.filter(snoozed_until__lte=now).order_by()
                        .values_list("user_id", flat=True).distinct()[:users_per_pass])
        if not user_ids:
            return woken
        for user_id in user_ids:
            with transaction.atomic():
                stream.lock([user_id])
                woken += _wake(user_id, Notification.objects.filter(user_id=user_id, snoozed_until__lte=now))


def _wake(user_id: int, snoozed) -> int:
    """Wake ``snoozed`` (the user's, their stream locked): unread, in the inbox, one event naming each
    one's group, so an open tab fetches its row as for a new notification."""
    due = list(snoozed.select_for_update(of=("self",)).select_related("notice").order_by("id"))
    if not due:
        return 0
    Notification.objects.filter(pk__in=[n.pk for n in due]).update(read_at=None, snoozed_until=None)
    groups = {grouping_key(n.notice.group_key, n.pk): n.notice.kind for n in due}
    stream.append([stream.Change(
        user_id, "notifications.woken",
        {"ids": [n.pk for n in due], "groups": [{"group_key": key, "kind": kind} for key, kind in groups.items()]},
        unread_to=_unread_of(user_id),
    )])
    return len(due)


def _locked(user, notification_id: int) -> Notification:
    return (Notification.objects.select_related("notice").select_for_update(of=("self",))
            .get(pk=notification_id, user=user))


def _set_read(user, notification_id: int, *, read: bool) -> Notification:
    with transaction.atomic():
        stream.lock([user.pk])
        notification = _locked(user, notification_id)
        if (notification.read_at is not None) == read:
            return notification  # already so: no event, the count stands
        notification.read_at = timezone.now() if read else None
        fields = ["read_at"]
        if not read:  # unread is in the inbox: a done or snoozed one is always read
            notification.done_at = notification.snoozed_until = None
            fields += ["done_at", "snoozed_until"]
        notification.save(update_fields=fields)
        stream.append([stream.Change(
            user.pk,
            "notification.read" if read else "notification.unread",
            {"id": notification.pk, "read_at": notification.read_at.isoformat() if read else None},
            unread_to=_unread_count(user),
        )])
    return notification


def _unread_count(user) -> int:
    return _unread_of(user.pk)


def _unread_of(user_id: int) -> int:
    return Notification.objects.filter(user_id=user_id, read_at__isnull=True).count()


def prune_done(keep_days: int, *, batch: int = 5000) -> int:
    """Delete the done, unsaved notifications done more than ``keep_days`` ago; how many went.

    No event: they left every list when marked done, and a done one is read,
    so no count changes. In batches, each its own short statement.
    """
    cutoff = timezone.now() - timedelta(days=keep_days)
    deleted = 0
    while True:
        ids = list(Notification.objects.filter(done_at__lt=cutoff, saved=False)
                   .values_list("pk", flat=True)[:batch])
        if not ids:
            return deleted
        deleted += Notification.objects.filter(pk__in=ids, done_at__lt=cutoff, saved=False).delete()[0]
