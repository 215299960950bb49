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

from common.notification_text import created_event_payload, describe, grouping_key
from web.accounts.preferences import EVERYTHING, wants_of
from web.notifications import rows, stream
from web.notifications.audience import Choices
from web.notifications.events import NotificationEvent
from web.notifications.models import Notice, ProcessedEvent
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
    Idempotent: an event processed or stored before tells nobody again, so a
    redelivered record changes nothing. Many events in one transaction is what makes the
    pipeline fast: the statements per batch are the same for 1 or 1,000
    events, and so is the Redis round trip.
    """
    if not events:
        return []
    try:
        return _store(events)
    except IntegrityError:
        # A concurrent delivery of the same event won the race; run again
        # and skip what it already stored.
        return _store(events)


def _store(events: Sequence[NotificationEvent]) -> list[Delivered]:
    with transaction.atomic():
        events = _unprocessed(events)
        if not events:
            return []
        recipients = {r["user"] for event in events for r in event.recipients}
        existing = set(User.objects.filter(pk__any=Ids(recipients)).values_list("pk", flat=True))
        wants = wants_of(existing)
        actors = set(User.objects.filter(pk__in={e.actor_id for e in events}).values_list("pk", flat=True))
        drafts = [draft for event in events for draft in _notices_of(event, existing, wants, actors)]
        GroupKeys.of(drafts).assign_all(drafts)
        stored = rows.insert(drafts)
        told = defaultdict(int)
        changes, delivered = [], []
        for draft in drafts:
            if draft.id is None:
                continue  # stored before: a redelivered event
            payloads = _Payloads(draft)
            for user_id, index, read in draft.readers:
                notification_id = stored[draft.id, user_id]
                told[draft.event_id] += 1
                changes.append(stream.Change(user_id, "notification.created",
                                             payloads.of(notification_id, user_id, index, read),
                                             unread_delta=0 if read else 1, notification_id=notification_id))
                delivered.append(notification_id)
        ProcessedEvent.objects.bulk_create([
            ProcessedEvent(event_id=event.id, action_id=event.action_id, delivered=told[event.id])
            for event in events
        ])
        # The users' streams are locked last (by append, in user order), so
        # that two batches for the same people (a busy group) wait on each
        # other only for numbering, not for the rows written before it.
        entries = stream.append(changes)
    return [Delivered(e.user_id, e.seq, n) for e, n in zip(entries, delivered, strict=True)]


def _notices_of(event: NotificationEvent, existing: set[int], wants: dict, actors: set[int]) -> list[rows.NoticeDraft]:
    """The event's notice, with each recipient still to tell; another for each kind (and group) it was
    not sent as that someone is told as now (see _still_wanted)."""
    # The actor may have been deleted since acting; the name is kept.
    actor_id = event.actor_id if event.actor_id in actors else None
    created = datetime.fromisoformat(event.occurred_at)
    drafts: dict[tuple, rows.NoticeDraft] = {}
    for user_id, reasons, kind, group in _still_wanted(event, existing, wants):
        variant = (kind, group["id"] if group and kind != event.kind else None)
        draft = drafts.get(variant)
        if draft is None:
            draft = drafts[variant] = rows.NoticeDraft.of(event, kind, group, actor_id=actor_id, created=created)
        # What you did yourself arrives read: you know it already (unless you asked to count it).
        read = kind == "owner" and not wants.get(user_id, EVERYTHING).count_own_actions
        draft.tell(user_id, reasons, read=read)
    return list(drafts.values())


class _Payloads:
    """Each reader's "notification.created" payload: what the notice says is built once, per reader only
    what is theirs (id, why, read state, and "you" in a membership change)."""

    def __init__(self, draft: rows.NoticeDraft):
        self._draft = draft
        self._by_reasons: dict[int, dict] = {}
        self._personal = draft.member_id is not None  # "added you": the text depends on the reader

    def of(self, notification_id: int, user_id: int, reasons_index: int, read: bool) -> dict:
        d = self._draft
        base = self._by_reasons.get(reasons_index)
        if base is None:
            view = _Reader(d, notification_id, user_id, reasons_index, read)
            base = self._by_reasons[reasons_index] = created_event_payload(view)["notification"]
        notification = {**base, "id": notification_id, "group_key": grouping_key(d.group_key, notification_id),
                        "read_at": d.created.isoformat() if read else None}
        if self._personal:
            notification["text"] = describe(_Reader(d, notification_id, user_id, reasons_index, read))
        return {"notification": notification}


class _Reader:
    """A draft's notice as one reader's notification reads (common.notification_text)."""

    def __init__(self, draft, notification_id: int, user_id: int, reasons_index: int, read: bool):
        self._draft = draft
        self.id, self.user_id = notification_id, user_id
        self.reasons = draft.reasons[reasons_index]
        self.read_at = draft.created if read else None
        self.mailed_at = None
        self.done_at, self.saved, self.snoozed_until = None, False, None  # a new one is in the inbox, unstarred

    def __getattr__(self, name):
        return getattr(self._draft, name)


def _unprocessed(events: Sequence[NotificationEvent]) -> list[NotificationEvent]:
    """The events not stored before, each once (a batch may carry a redelivered record twice)."""
    # Ids as PostgreSQL spells them, which is what they are compared with from here on.
    events = [replace(e, id=str(uuid.UUID(e.id)), action_id=str(uuid.UUID(e.action_id))) for e in events]
    ids = [e.id for e in events]
    done = {str(event_id) for event_id in
            ProcessedEvent.objects.filter(event_id__in=ids).values_list("event_id", flat=True)}
    # An event's notice outlives its ProcessedEvent (pruned): a record
    # Kafka redelivers later than that is still found.
    done |= {str(event_id) for event_id in
             Notice.objects.filter(event_id__in=ids).values_list("event_id", flat=True).distinct()}
    fresh = {}
    for event in events:
        if event.id not in done:
            fresh.setdefault(event.id, event)
    return list(fresh.values())


def _still_wanted(event: NotificationEvent, existing: set[int],
                  wants: dict) -> list[tuple[int, list, str, dict | None]]:
    """(user, reasons, kind, group) of each recipient still to tell.

    Not deleted since; and as the kind they want now: one
    who turned this kind off (or muted the group) since the action is told as
    the next kind their reasons allow (a watcher in the group, as a member),
    or not at all.
    """
    wanted = []
    choices = Choices(wants)
    for r in sorted(event.recipients, key=lambda r: r["user"]):
        user_id = r["user"]
        if user_id not in existing:
            continue
        choice = choices.of(user_id, r["reasons"])
        if choice is not None:
            wanted.append((user_id, r["reasons"], *choice))
    return wanted


class GroupKeys:
    """Each new notice's group: the one the last notice of its kind about its target (and group) is in,
    if it came within NOTIFICATION_GROUP_MINUTES; else a new one.

    A reader's notifications of notices that share a key show as one row.
    Kept on the notice, not per reader: one look-up per target, not per
    person, and one statement for the whole batch. Notices are then assigned
    in order, so a later one in the batch joins the group an earlier one
    started (the parts of an action on a large group do).
    """

    def __init__(self, latest: dict, window: timedelta):
        self._latest = latest  # (kind, target type, target id, group id) -> (group key, created)
        self._window = window

    @classmethod
    def of(cls, drafts: list[rows.NoticeDraft]) -> "GroupKeys":
        window = timedelta(minutes=settings.NOTIFICATION_GROUP_MINUTES)
        wheres = sorted({(d.kind, d.target_type, d.target_id) for d in drafts})
        if not wheres:
            return cls({}, window)
        with transaction.get_connection().cursor() as cursor:
            cursor.execute(_LATEST_GROUPS, [json_rows([{"kind": kind, "target_type": target_type,
                                                        "target_id": target_id}
                                                       for kind, target_type, target_id in wheres]),
                                            min(d.created for d in drafts) - window])
            latest = {}
            for kind, target_type, target_id, group_id, key, created in cursor.fetchall():
                latest.setdefault((kind, target_type, target_id, group_id), (key, created))
        return cls(latest, window)

    def assign_all(self, drafts: list[rows.NoticeDraft]) -> None:
        for draft in drafts:
            draft.group_key = self.assign(draft)

    def assign(self, d: rows.NoticeDraft) -> str:
        where = (d.kind, d.target_type, d.target_id, d.group_id)
        found = self._latest.get(where)
        if found is not None and found[1] >= d.created - self._window:
            key = found[0]
        else:
            key = f"{d.kind}:{d.target_type}:{d.target_id}:{d.event_id.replace('-', '')[:12]}"
        if found is None or d.created >= found[1]:
            self._latest[where] = (key, d.created)
        return key


# The notices of these kinds about these targets within the window, newest
# by id first (one index range each on (target type, target id, kind, id));
# the first of each group id is the one that counts. (Newest by id, not by
# ``created``: the same but for events delivered out of order, where either
# group is a fair answer.)
_LATEST_GROUPS = f"""
SELECT t.kind, t.target_type, t.target_id, n.group_id, n.group_key, n.created
FROM json_to_recordset(%s::json) AS t(kind text, target_type text, target_id bigint)
JOIN {Notice._meta.db_table} n ON n.target_type = t.target_type AND n.target_id = t.target_id AND n.kind = t.kind
WHERE n.group_key <> '' AND n.created >= %s
ORDER BY n.id DESC
"""


def prune_processed(older_than_days: int) -> int:
    """Forget which events were processed, past the time Kafka could still redeliver them.

    Redelivery after that is still harmless: an event with a notice stored
    is not stored again (_unprocessed).
    """
    cutoff = timezone.now() - timedelta(days=older_than_days)
    deleted, _ = ProcessedEvent.objects.filter(processed_at__lt=cutoff).delete()
    return deleted
