"""Running one user action through Beacon's real pipeline, and reading who was told of it.

:func:`through_pipeline` calls an action in the test process (it commits at
once: the test uses ``live_db``), takes the outbox rows that action wrote,
and waits, with a deadline, until the Kafka consumer's delivery has stored
every one of them (a ``ProcessedEvent`` row per event: the outbox row's id is
the event's id). Only then is "who got what" a fact rather than a race, and
the :class:`Outcome` answers it for that action alone, whatever the set-up
actions before it are still delivering.
"""

from dataclasses import dataclass
from typing import NamedTuple

from tests.support.waiting import TimedOut, wait_for

# Generous for one action: the relay, Kafka, the consumer and the worker each
# take milliseconds, but the first action of a run also waits for the topics
# to be created and the consumer group to settle.
DELIVERY_DEADLINE_SECONDS = 30


class Told(NamedTuple):
    """One notification as a person sees it: its kind, verb, sentence and the reasons recorded."""

    kind: str
    verb: str
    text: str
    reasons: list


@dataclass(frozen=True)
class Outcome:
    result: object  # what the action returned
    events: tuple[dict, ...]  # the events it wrote to the outbox, as Kafka carried them
    action_id: str | None  # None when it wrote none: nobody can be told

    @property
    def told(self) -> dict:
        """``{user: Told}`` for everyone this action notified; anyone absent got nothing from it."""
        from web.notifications.models import Notification

        if self.action_id is None:
            return {}
        notifications = Notification.objects.filter(notice__action_id=self.action_id).select_related("user", "notice")
        return {n.user: Told(n.kind, n.verb, n.text, n.reasons) for n in notifications}

    def kinds_naming(self, user) -> list[str]:
        """The kind of each event of the action that names ``user`` among its recipients."""
        from web.notifications.events import NotificationEvent

        return [event["kind"] for event in self.events
                if user.pk in NotificationEvent.from_dict(event).recipient_ids()]


def through_pipeline(action, *args, **kwargs) -> Outcome:
    """Run ``action(*args, **kwargs)`` and return once every event it wrote has been delivered."""
    from web.outbox.models import OutboxEvent

    # Nothing else writes this run's outbox while a test acts (Beacon's
    # processes only relay it), so the new rows are this action's.
    before = set(OutboxEvent.objects.values_list("id", flat=True))
    result = action(*args, **kwargs)
    rows = list(OutboxEvent.objects.exclude(id__in=before).values_list("id", "payload"))
    events = tuple(payload for _, payload in rows)
    action_ids = {event["action_id"] for event in events}
    assert len(action_ids) <= 1, f"one action wrote events of several actions: {sorted(action_ids)}"
    # The outbox row's id is the event's id, which delivery marks processed.
    _wait_until_delivered(tuple(row_id for row_id, _ in rows), action.__name__)
    return Outcome(result, events, action_ids.pop() if action_ids else None)


def _wait_until_delivered(event_ids: tuple, action_name: str) -> None:
    from web.notifications.models import ProcessedEvent

    if not event_ids:
        return
    delivered = ProcessedEvent.objects.filter(event_id__in=event_ids)
    try:
        wait_for(lambda: delivered.count() == len(event_ids), timeout=DELIVERY_DEADLINE_SECONDS,
                 message=f"the events of {action_name} delivered")
    except TimedOut as exc:
        raise TimedOut(f"{exc}: {delivered.count()} of {len(event_ids)}") from None


# The reasons a notification records, as the tests expect to read them.

OWNER = {"kind": "owner"}


def member_of(group, *, about_you: bool = False) -> dict:
    reason = {"kind": "group", "group": {"id": group.pk, "name": group.name}}
    return {**reason, "about_you": True} if about_you else reason


def watching(thing) -> dict:
    """Watching ``thing``, a Graph or a Layout, under its current name."""
    return {"kind": "watching", "watched": {"type": thing._meta.model_name, "id": thing.pk, "name": thing.name}}


def group_of(owner, *members, name: str = "Lab"):
    """A group ``owner`` created, with ``members`` added (set-up: not waited on)."""
    from web.groups.actions import add_member, create_group

    group = create_group(owner, name=name)
    for member in members:
        add_member(owner, group.pk, member.username)
    return group


def turn_off_in_app(user, *kinds: str) -> None:
    from web.accounts.models import NotificationPreferences

    NotificationPreferences.objects.update_or_create(user=user, defaults={f"app_{kind}": False for kind in kinds})
