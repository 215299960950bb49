"""The notifications page: the list, its filters and cursor paging, and the read-state changes.

Done takes a notification (or a group) out of the inbox, kept in the Done
view (``state=done``) until pruned, with an Undo on the next page; a star
saves one (``state=saved``) and keeps it from pruning.

Every change is a POST that calls one action in web.notifications.actions,
then goes back to the list the user was on (the form's ``next``), or, asked
by the page's script (``Accept: application/json``), answers what changed in
JSON and stays put. Opening a notification whose target the user can no
longer see leads to a page that says so, with the way back.

The list shows groups (web/notifications/grouping.py); ``group_rows`` renders
one group's row as the list and the bell show it, for the script to put in
place when a notification arrives.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from common.time_zones import UnknownZone
from web.accounts.preferences import preferences_of, zone_of
from web.groups import actions as group_actions
from web.inbox.forms import FilterForm
from web.inbox.targets import describe_target, is_visible
from web.notifications import actions, stream
from web.notifications.grouping import grouped
from web.notifications.models import IN_INBOX, Notification
from web.notifications.queries import (
    PAGE_SIZE,
    BadFilter,
    NotificationFilter,
    page_of,
    parse_paging,
    with_notices,
)
from web.notifications.snooze import CHOICES, BadSnooze, in_words, snooze_end
from web.redirects import is_local_path, wants_json


@login_required
@require_safe
def index(request):
    try:
        flt = NotificationFilter.from_params(request.GET)
        before, _ = parse_paging(request.GET)  # 50 a page, always: the page ignores ``limit``
    except BadFilter as error:
        return _bad_filter(request, error)
    return render(request, "notifications/index.html", _page(request, flt, before))


def _page(request, flt, before):
    page = page_of(request.user, flt, before=before)
    params = flt.as_params()
    return {
        "bulk_actions": [(value, BULK_LABELS[value]) for value in BULK_BY_STATE.get(flt.state, BULK_LABELS)],
        # "All matching" is offered when more match than this page shows (counted up to what one press changes).
        "matching_label": _matching_label(request.user, flt) if page.next_before else "",
        "groups": grouped(page.notifications),
        # What "Select all on this page" selects, without JavaScript as with it.
        "page_ids": ",".join(str(n.pk) for n in page.notifications),
        "filter": flt,
        "filter_form": FilterForm.showing(flt),
        "filter_params": params,
        "older_url": "?" + urlencode({**params, "before": page.next_before}) if page.next_before else "",
        "newest_url": "?" + urlencode(params) if before is not None else "",
        # A notification that arrives while the page is open belongs at its top only when nothing
        # filters it out here: the newest page, no words or target the browser cannot check.
        "target_label": describe_target(request.user, flt.target) if flt.target else "",
        "without_target_url": "?" + urlencode({k: v for k, v in params.items() if k != "target"}),
        "live_insert": before is None and not flt.q and not flt.target and flt.state in ("all", "unread"),
        "next": request.get_full_path(),
        # What was just marked done, for its Undo (once: read from the session, and gone from it).
        "undo_done": request.session.pop(UNDO_DONE_SESSION_KEY, []),
        "undo_mute": request.session.pop(UNDO_MUTE_SESSION_KEY, []),
        "done_keep_days": settings.NOTIFICATIONS_DONE_KEEP_DAYS,
        # What was just snoozed, for its "Wake now" (once, as the Undo of done).
        "just_snoozed": request.session.pop(JUST_SNOOZED_SESSION_KEY, []),
        **_row_context(request),
    }


def _row_context(request) -> dict:
    """What a row needs besides its group: the snooze menu's choices and zone."""
    saved = preferences_of(request.user).time_zone
    return {
        "snooze_choices": [choice for choice in CHOICES if choice.value != "at"],
        # The zone the snooze form sends: the user's saved one; blank, the page's script gives the browser's.
        "saved_zone": saved,
        # The zone a snoozed row's moment is shown in: the page's own, which web/accounts/time_zone.py
        # activated from the same preferences (asking for them again would read the row twice).
        "shown_zone": timezone.get_current_timezone().key,
    }


@login_required
@require_POST
def read(request, notification_id: int):
    return _change(request, actions.mark_read, notification_id)


@login_required
@require_POST
def unread(request, notification_id: int):
    return _change(request, actions.mark_unread, notification_id)


@login_required
@require_POST
def open_notification(request, notification_id: int):
    try:
        notification = actions.open_notification(request.user, notification_id)
    except Notification.DoesNotExist:
        return _no_such_notification(request)
    if _can_follow(request, notification):
        location = notification.link
    else:
        # A GET of its own, so that reloading it re-sends nothing.
        location = reverse("notifications:unavailable", args=[notification_id]) + _back_query(request)
    if wants_json(request):
        return JsonResponse({"id": notification.pk, "location": location, "unread": _unread(request)})
    return redirect(location)


@login_required
@require_safe
def unavailable(request, notification_id: int):
    """What a notification was about, when the user can no longer open it: a page saying so (404)."""
    notification = Notification.objects.filter(pk=notification_id, user=request.user).first()
    if notification is None:
        return _no_such_notification(request)
    if _can_follow(request, notification):  # shared again since
        return redirect(notification.link)
    return render(request, "notifications/unavailable.html", {
        "notification": notification,
        "deleted": notification.verb == "deleted",
        "back": _next_from(request, request.GET.get("back") or ""),
    }, status=404)


@login_required
@require_POST
def read_all(request):
    """Mark read all unread notifications, or, given filter fields, those matching them."""
    try:
        flt = NotificationFilter.from_params(request.POST)
    except BadFilter as error:
        return _bad_filter(request, error)
    count = actions.mark_all_read(request.user, None if flt.is_empty else flt)
    if wants_json(request):
        return JsonResponse({"marked": count, "unread": _unread(request)})
    messages.success(request, f"Marked {count} notification{'' if count == 1 else 's'} read.")
    return redirect(_next(request))


BULK_ACTIONS = {"read": actions.mark_read_many, "unread": actions.mark_unread_many, "done": actions.mark_done_many,
                "save": actions.save_many, "unsave": actions.unsave_many, "mute": group_actions.mute_groups_of}
BULK_LABELS = {"read": "Mark selected read", "unread": "Mark selected unread", "done": "Mark selected done",
               "save": "Save selected", "unsave": "Unsave selected", "mute": "Mute their groups"}
# Only what does something in the view: done ones are read and done already, snoozed ones read (unread wakes
# them), saved ones saved.
BULK_BY_STATE = {"done": ("unread", "save", "unsave", "mute"), "snoozed": ("unread", "done", "save", "unsave", "mute"),
                 "saved": ("read", "unread", "done", "unsave", "mute")}


@login_required
@require_POST
def bulk(request):
    """One action on the ticked rows (each ``ids`` value a row's ids, comma-separated), the whole page
    (``all`` with ``page_ids``), or every notification matching the filter (``matching`` with its fields)."""
    name = request.POST.get("action") or ""
    action = BULK_ACTIONS.get(name)
    if action is None:
        return _bulk_refused(request, "Choose what to do with the selected notifications.")
    ids, matching = None, None
    if request.POST.get("matching"):
        try:
            matching = NotificationFilter.from_params(request.POST)
        except BadFilter as error:
            return _bulk_refused(request, str(error))
    else:
        values = request.POST.getlist("ids")
        if request.POST.get("all"):
            values.append(request.POST.get("page_ids") or "")
        try:
            ids = {int(part) for value in values for part in value.split(",") if part.strip()}
        except ValueError:
            return _bulk_refused(request, "That is not a notification id.")
    try:
        result = action(request.user, ids, matching=matching)
    except actions.BulkRefused as error:
        return _bulk_refused(request, str(error))
    except Notification.DoesNotExist:
        raise Http404("No such notification") from None
    if name == "mute":
        message, undo = _muted_message(result, matching), _undo("undo_mute", "group", result.muted, "Undo mute")
        changed = result.muted
    else:
        message, undo = _bulk_message(name, result), _undo("undo_done", "id", result.ids, "Undo done")
        changed = result.ids
    if name not in ("done", "mute"):
        undo = None
    if wants_json(request):
        return JsonResponse({"action": name, "ids": sorted(ids) if ids is not None else changed,
                             "changed": len(changed), "read": name == "read", "groups": getattr(result, "muted", []),
                             "message": message, "undo": undo, "unread": _unread(request)})
    if undo:
        request.session[UNDO_DONE_SESSION_KEY if name == "done" else UNDO_MUTE_SESSION_KEY] = undo["values"]
    messages.success(request, message)
    return redirect(_next(request))


def _bulk_message(name: str, result: actions.BulkChange) -> str:
    count, plural = len(result.ids), "" if len(result.ids) == 1 else "s"
    if name in ("save", "unsave"):
        message = f"{name.capitalize()}d {count:,} notification{plural}."
    else:
        message = f"Marked {count:,} notification{plural} {name}."
    if result.left:
        message += (f" Only the newest {actions.BULK_MATCHING_MAX:,} at once: {result.left:,} more match,"
                    " do it again for the next.")
    return message


def _muted_message(result, matching) -> str:
    count = len(result.muted)
    parts = [f"Muted {count} group{'' if count == 1 else 's'}"]
    if result.already:
        already = len(result.already)
        parts.append(f"{already} group{' was' if already == 1 else 's were'} muted already")
    what = "matching" if matching is not None else "selected"
    if result.without_group:
        n = result.without_group
        parts.append(f"{n:,} of the {what} notifications belong{'s' if n == 1 else ''} to no group"
                     " and were left as they are")
    if result.left_group:
        n = result.left_group
        parts.append(f"{n:,} of the {what} notifications come{'s' if n == 1 else ''} from a group you are no longer"
                     " in and were left as they are")
    return "; ".join(parts) + "."


def _undo(url_name: str, field: str, values: list[int], label: str):
    """What the Undo of a bulk change posts: the page renders it as a form, the script as a button."""
    return {"url": reverse(f"notifications:{url_name}"), "field": field, "values": values, "label": label} \
        if values else None


def _matching_label(user, flt) -> str:
    """ "Select all 1,234 matching" ("5,000+" past what one press changes, which is all it counts)."""
    most = actions.BULK_MATCHING_MAX
    count = flt.apply(Notification.objects.filter(user=user))[:most + 1].count()
    return f"Select all {most:,}+ matching" if count > most else f"Select all {count:,} matching"


def _bulk_refused(request, message: str):
    if wants_json(request):
        return JsonResponse({"error": message}, status=400)
    context = _page(request, NotificationFilter(), None)
    return render(request, "notifications/index.html", {**context, "bulk_error": message,
                                                            "next": reverse("notifications:index")}, status=400)


@login_required
@require_safe
def group_rows(request):
    """One group's row, as the bell (``<template data-where="bell">``) and the list (``"list"``) render it."""
    try:
        flt = NotificationFilter.from_params({"group": request.GET.get("group") or "-"})
    except BadFilter:
        raise Http404("No such group") from None
    inbox = Notification.objects.filter(IN_INBOX, user=request.user)
    newest = with_notices(flt.apply(inbox)).order_by("-id")
    groups = grouped(list(newest[:GROUP_ROW_MAX]))
    if not groups:
        raise Http404("No such group")
    return render(request, "notifications/_live_group.html", {
        "g": groups[0], "next": _next_from(request, request.GET.get("next") or ""), **_row_context(request),
    })


@login_required
@require_POST
def done(request, notification_id: int):
    """Mark one done: out of the inbox (and read); the page then offers its Undo."""
    try:
        notifications = actions.mark_group_done(request.user, notification_id=notification_id)
    except Notification.DoesNotExist:
        raise Http404("No such notification") from None
    return _done(request, notifications)


@login_required
@require_POST
def group_done(request):
    """Mark done every notification of one group (the form's ``group``) still in the inbox."""
    try:
        flt = NotificationFilter.from_params({"group": request.POST.get("group") or "-"})
        notifications = actions.mark_group_done(request.user, group=flt.group)
    except (BadFilter, Notification.DoesNotExist):
        raise Http404("No such group") from None
    return _done(request, notifications)


@login_required
@require_POST
def undo_done(request):
    """The Undo after Done: the ``id`` fields back in the inbox (still read)."""
    ids = [int(raw) for raw in request.POST.getlist("id") if raw.isdigit() and len(raw) <= 18]
    ids = ids[:actions.BULK_MATCHING_MAX]  # (as many as one bulk Done changes)
    moved = actions.undo_done(request.user, ids)
    if wants_json(request):
        return JsonResponse({"moved": moved, "unread": _unread(request)})
    messages.success(request, f"Moved {moved} notification{'' if moved == 1 else 's'} back to the inbox.")
    return redirect(_next(request))


@login_required
@require_POST
def undo_mute(request):
    """The Undo after a bulk mute: the ``group`` fields (the groups that mute muted) unmuted."""
    ids = [int(raw) for raw in request.POST.getlist("group") if raw.isdigit() and len(raw) <= 18]
    unmuted = group_actions.unmute_groups(request.user, ids[:actions.BULK_IDS_MAX])
    if wants_json(request):
        return JsonResponse({"unmuted": unmuted, "unread": _unread(request)})
    messages.success(request, f"Unmuted {unmuted} group{'' if unmuted == 1 else 's'}.")
    return redirect(_next(request))


@login_required
@require_POST
def move_to_inbox(request, notification_id: int):
    return _change(request, actions.move_to_inbox, notification_id)


@login_required
@require_POST
def save(request, notification_id: int):
    return _change(request, actions.save, notification_id)


@login_required
@require_POST
def unsave(request, notification_id: int):
    return _change(request, actions.unsave, notification_id)


@login_required
@require_POST
def snooze(request, notification_id: int):
    """Snooze one: out of the inbox (and read) until the chosen moment, when it comes back unread."""
    return _snooze(request, notification_id=notification_id)


@login_required
@require_POST
def group_snooze(request):
    """Snooze every notification of one group (the form's ``group``) in the inbox."""
    try:
        flt = NotificationFilter.from_params({"group": request.POST.get("group") or "-"})
    except BadFilter:
        raise Http404("No such group") from None
    return _snooze(request, group=flt.group)


def _snooze(request, **which):
    """The form's ``until`` (a choice of snooze.CHOICES) or ``at`` (a date and time, which wins when
    filled), read in its ``zone`` (the browser's), else the user's saved zone."""
    at = (request.POST.get("at") or "").strip()
    try:
        zone = zone_of(request.user, request.POST.get("zone") or "")
        until = snooze_end("at" if at else request.POST.get("until") or "", zone=zone, now=timezone.now(), at=at)
        notifications = actions.snooze(request.user, until, **which)
    except (BadSnooze, UnknownZone, actions.SnoozeRefused) as error:
        return _bulk_refused(request, str(error))
    except Notification.DoesNotExist:
        raise Http404("No such notification") from None
    ids, when = [n.pk for n in notifications], in_words(until, zone)
    if wants_json(request):
        return JsonResponse({"ids": ids, "snoozed_until": until.isoformat(), "until_text": when,
                             "unread": _unread(request)})
    request.session[JUST_SNOOZED_SESSION_KEY] = ids
    messages.success(request, f"Snoozed {len(ids)} notification{'' if len(ids) == 1 else 's'} until {when}.")
    return redirect(_next(request))


@login_required
@require_POST
def wake(request):
    """Wake early the ``id`` fields that are snoozed: back in the inbox, unread."""
    ids = [int(raw) for raw in request.POST.getlist("id") if raw.isdigit() and len(raw) <= 18]
    woken = actions.wake(request.user, ids[:actions.READ_ALL_IDS_MAX])
    if wants_json(request):
        return JsonResponse({"woken": woken, "unread": _unread(request)})
    messages.success(request, f"Woke {woken} notification{'' if woken == 1 else 's'}: back in the inbox, unread.")
    return redirect(_next(request))


# The ids just snoozed, kept in the session for the one page that offers to wake them.
JUST_SNOOZED_SESSION_KEY = "just_snoozed"


@login_required
@require_POST
def group_save(request):
    """The star of a group's row: save every one of its notifications the row shows (the ``id`` fields)."""
    return _group_saved(request, saved=True)


@login_required
@require_POST
def group_unsave(request):
    """The pressed star of a group's row (all of them saved): unsave them all."""
    return _group_saved(request, saved=False)


def _group_saved(request, *, saved: bool):
    """As the bulk form's save and unsave (one notifications.saved or .unsaved event): the row's ids, all the
    user's or nothing changes."""
    ids = _ids(request)
    try:
        changed = (actions.save_many if saved else actions.unsave_many)(request.user, ids).ids
    except actions.BulkRefused as error:
        return _bulk_refused(request, str(error))
    except Notification.DoesNotExist:
        raise Http404("No such notification") from None
    if wants_json(request):
        return JsonResponse({"ids": ids, "saved": saved, "changed": changed, "unread": _unread(request)})
    words = "Saved" if saved else "Unsaved"
    messages.success(request, f"{words} {len(changed)} notification{'' if len(changed) == 1 else 's'}.")
    return redirect(_next(request))


def _ids(request) -> list[int]:
    """The form's ``id`` fields (a group's notifications as its row shows them), at most READ_ALL_IDS_MAX."""
    ids = [int(raw) for raw in request.POST.getlist("id") if raw.isdigit() and len(raw) <= 18]
    return ids[:actions.READ_ALL_IDS_MAX]


# The ids just marked done, kept in the session for the one page that offers their Undo.
UNDO_DONE_SESSION_KEY = "undo_done"
# The groups a bulk mute just muted (not those muted before), likewise.
UNDO_MUTE_SESSION_KEY = "undo_mute"


def _done(request, notifications):
    ids = [n.pk for n in notifications]
    if wants_json(request):
        return JsonResponse({"ids": ids, "done": True, "unread": _unread(request)})
    request.session[UNDO_DONE_SESSION_KEY] = ids
    messages.success(request, f"Marked {len(ids)} notification{'' if len(ids) == 1 else 's'} done.")
    return redirect(_next(request))


# A live group's row holds at most as many notifications as a page of the list, as a rendered one does.
GROUP_ROW_MAX = PAGE_SIZE


def _change(request, action, notification_id: int):
    try:
        notification = action(request.user, notification_id)
    except Notification.DoesNotExist:
        raise Http404("No such notification") from None
    if wants_json(request):
        return JsonResponse({"id": notification.pk, "read": notification.read_at is not None,
                             "done": notification.done_at is not None, "saved": notification.saved,
                             "unread": _unread(request)})
    return redirect(_next(request))


def _unread(request) -> int:
    return stream.current(request.user.pk)[1]


def _can_follow(request, notification) -> bool:
    link = notification.link
    return bool(link and is_local_path(request, link)
                and is_visible(request.user, notification.target_type, notification.target_id))


def _back_query(request) -> str:
    back = _next(request)
    return "?" + urlencode({"back": back}) if back != reverse("notifications:index") else ""


def _no_such_notification(request):
    return render(request, "notifications/unavailable.html", {
        "notification": None, "back": reverse("notifications:index"),
    }, status=404)


def _next(request) -> str:
    return _next_from(request, request.POST.get("next") or "")


def _next_from(request, wanted: str) -> str:
    """Back to the list the form was on; only ever a path of this page, never elsewhere."""
    index = reverse("notifications:index")
    return wanted if wanted.startswith(index) and is_local_path(request, wanted) else index


def _bad_filter(request, error: BadFilter):
    return render(request, "notifications/index.html", {
        "groups": [],
        "error": str(error),
        "filter_form": FilterForm.showing(NotificationFilter()),
        "filter_params": {},
        "live_insert": False,
        "next": reverse("notifications:index"),
    }, status=400)
