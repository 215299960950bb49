"""The notification event: what an action says on Kafka.

Actions build them through :mod:`web.notifications.audience`, which decides
in the action's transaction who is told and why, and writes the recipients
into the event: delivery stores what the event says and asks nothing of the
database about who could see what, since by then the group may have changed or
the graph be gone. The consumer rebuilds an event with
:meth:`NotificationEvent.from_dict`, which rejects anything malformed with an
:class:`InvalidEvent` naming the fault, so that record can go to the
dead-letter topic instead of stopping the consumer.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, fields
from datetime import datetime

import orjson
from django.conf import settings
from django.utils import timezone

from web.kinds import KINDS

TARGET_TYPES = ("graph", "layout", "group")
# Version 3 writes each distinct reason once and a recipient as [user, reason
# index, …]: most people an action tells share their reasons, so an event
# grows with its recipients' ids rather than their reasons, and every step of
# the pipeline encodes or parses it. Version 2 records (each recipient with
# its reasons spelled out) are still read, so what was queued before an
# upgrade is delivered after it.
SCHEMA_VERSION = 3
READABLE_VERSIONS = (2, 3)
# Recipients per event at most: an action that tells more people sends more
# events (sharing its action id), so no record nears Kafka's size limit.
MAX_RECIPIENTS_PER_EVENT = 500
# Recipients per delivery task (one transaction) at most: bigger batches cost
# less per notification, up to where one transaction holds many users'
# stream locks for long. A batch has 1 to 1,000 events.
BATCH_RECIPIENTS = 1000


class InvalidEvent(ValueError):
    """A record that is not a notification event Beacon can deliver."""


@dataclass(frozen=True)
class NotificationEvent:
    id: str
    action_id: str  # shared by the events of one user action
    kind: str
    verb: str
    actor_id: int
    actor_name: str
    target_type: str
    target_id: int
    target_name: str
    graph_id: int | None  # a layout's graph, or the graph itself
    graph_name: str
    group_id: int | None
    group_name: str
    member_id: int | None  # whom a membership change is about
    member_name: str
    old_name: str  # a rename's former name
    link: str
    occurred_at: str  # ISO 8601 with offset
    # [{"user": <id>, "reasons": [{"kind": ..., ...}, ...]}, ...]
    recipients: tuple

    def recipient_ids(self) -> list[int]:
        return [r["user"] for r in self.recipients]

    def to_dict(self) -> dict:
        # Not dataclasses.asdict: it deep-copies every recipient, a cost that
        # grows with the group and buys nothing, since the recipients are
        # values nobody changes.
        data = {name: getattr(self, name) for name in _FIELD_NAMES}
        data["reasons"], data["recipients"] = _compact(self.recipients)
        return {"v": SCHEMA_VERSION, **data}

    def to_json(self) -> bytes:
        return orjson.dumps(self.to_dict())

    @property
    def kafka_key(self) -> str:
        # Events about one resource share a partition, so they stay in order.
        return f"{self.target_type}:{self.target_id}"

    @classmethod
    def from_dict(cls, data: object) -> NotificationEvent:
        if not isinstance(data, dict):
            raise InvalidEvent("event is not a JSON object")
        if data.get("v") not in READABLE_VERSIONS:
            raise InvalidEvent(f"unknown event version {data.get('v')!r}")
        if data["v"] == 3:
            data = {**data, "recipients": _expand(data.get("reasons"), data.get("recipients"))}
        fields = {}
        for name, kind in _FIELD_TYPES.items():
            if name not in data:
                raise InvalidEvent(f"missing field {name!r}")
            value = data[name]
            if not _is(value, kind):
                raise InvalidEvent(f"field {name!r} has the wrong type")
            fields[name] = value
        for name in ("id", "action_id"):
            try:
                uuid.UUID(fields[name])
            except ValueError:
                raise InvalidEvent(f"field {name!r} is not a UUID") from None
        if fields["kind"] not in KINDS:
            raise InvalidEvent(f"unknown kind {fields['kind']!r}")
        if fields["target_type"] not in TARGET_TYPES:
            raise InvalidEvent(f"unknown target type {fields['target_type']!r}")
        if fields["kind"] == "group" and fields["group_id"] is None:
            raise InvalidEvent("a group event needs group_id")
        fields["recipients"] = _recipients(fields["recipients"], fields["kind"], fields["actor_id"])
        try:
            datetime.fromisoformat(fields["occurred_at"])
        except ValueError:
            raise InvalidEvent("occurred_at is not an ISO 8601 time") from None
        return cls(**fields)

    @classmethod
    def from_json(cls, raw: bytes | None) -> NotificationEvent:
        if raw is None:
            raise InvalidEvent("record has no value")
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:  # invalid UTF-8 too
            raise InvalidEvent(f"value is not JSON: {exc}") from None
        return cls.from_dict(data)


_FIELD_TYPES = {
    "id": str,
    "action_id": str,
    "kind": str,
    "verb": str,
    "actor_id": int,
    "actor_name": str,
    "target_type": str,
    "target_id": int,
    "target_name": str,
    "graph_id": (int, type(None)),
    "graph_name": str,
    "group_id": (int, type(None)),
    "group_name": str,
    "member_id": (int, type(None)),
    "member_name": str,
    "old_name": str,
    "link": str,
    "occurred_at": str,
    "recipients": list,
}


def _compact(recipients) -> tuple[list[dict], list[list[int]]]:
    """Each distinct reason once, and each recipient as [user, index of a reason, …]."""
    reasons: list[dict] = []
    by_value: dict[str, int] = {}
    # The audience shares one reasons list among everyone told for the same
    # reasons: each list is turned into indexes once.
    by_list: dict[int, list[int]] = {}
    compact = []
    for recipient in recipients:
        theirs = recipient["reasons"]
        indexes = by_list.get(id(theirs))
        if indexes is None:
            indexes = by_list[id(theirs)] = []
            for reason in theirs:
                index = by_value.setdefault(json.dumps(reason, sort_keys=True), len(reasons))
                if index == len(reasons):
                    reasons.append(reason)
                indexes.append(index)
        compact.append([recipient["user"], *indexes])
    return reasons, compact


def _expand(reasons: object, recipients: object) -> list:
    """A v3 event's recipients in the shape every reader uses: {"user": id, "reasons": [...]}."""
    if not isinstance(reasons, list) or not all(isinstance(r, dict) for r in reasons):
        raise InvalidEvent("reasons is not a list of objects")
    if not isinstance(recipients, list):
        raise InvalidEvent("field 'recipients' has the wrong type")
    expanded = []
    # Recipients with the same reasons share one list, as the audience made
    # them: delivery decides once per distinct list.
    lists: dict[tuple, list] = {}
    for row in recipients:
        if not isinstance(row, list) or not row or not all(_is(value, int) for value in row):
            raise InvalidEvent("a recipient is not [<user id>, <reason index>, ...]")
        if len(row) == 1:
            raise InvalidEvent(f"recipient {row[0]} has no reasons")
        if not all(0 <= index < len(reasons) for index in row[1:]):
            raise InvalidEvent(f"recipient {row[0]} names a reason the event does not have")
        indexes = tuple(row[1:])
        theirs = lists.get(indexes)
        if theirs is None:
            theirs = lists[indexes] = [reasons[index] for index in indexes]
        expanded.append({"user": row[0], "reasons": theirs})
    return expanded


def _recipients(value: list, kind: str, actor_id: int) -> tuple:
    if not value:
        raise InvalidEvent("recipients is empty")
    if len(value) > MAX_RECIPIENTS_PER_EVENT:
        raise InvalidEvent(f"more than {MAX_RECIPIENTS_PER_EVENT} recipients")
    seen = set()
    for recipient in value:
        if not isinstance(recipient, dict) or not _is(recipient.get("user"), int):
            raise InvalidEvent("a recipient is not {\"user\": <id>, \"reasons\": [...]}")
        reasons = recipient.get("reasons")
        if not isinstance(reasons, list) or not reasons or not all(isinstance(r, dict) for r in reasons):
            raise InvalidEvent(f"recipient {recipient['user']} has no reasons")
        if recipient["user"] in seen:
            raise InvalidEvent(f"recipient {recipient['user']} appears twice")
        seen.add(recipient["user"])
    # The rule every other rule rests on: the actor hears of their own action
    # only by an owner notification, and only the actor gets one.
    if kind == "owner" and seen != {actor_id}:
        raise InvalidEvent("an owner event is for its actor alone")
    if kind != "owner" and actor_id in seen:
        raise InvalidEvent(f"a {kind} event names its own actor")
    return tuple(value)


def _is(value: object, kind) -> bool:
    # bool is an int to isinstance; an id of True is a malformed record.
    if isinstance(value, bool):
        return False
    return isinstance(value, kind)


@dataclass(frozen=True)
class Target:
    """What an action is about, as notifications name and link it."""

    type: str
    id: int
    name: str
    link: str = ""
    graph_id: int | None = None
    graph_name: str = ""


def new_event(*, action_id: str, kind: str, verb: str, actor, target: Target, recipients: list[dict],
              group=None, member=None, old_name: str = "") -> NotificationEvent:
    return NotificationEvent(
        id=str(uuid.uuid4()),
        action_id=action_id,
        kind=kind,
        verb=verb,
        actor_id=actor.pk,
        actor_name=actor.get_username(),
        target_type=target.type,
        target_id=target.id,
        target_name=target.name,
        graph_id=target.graph_id,
        graph_name=target.graph_name,
        group_id=group.pk if group is not None else None,
        group_name=group.name if group is not None else "",
        member_id=member.pk if member is not None else None,
        member_name=member.get_username() if member is not None else "",
        old_name=old_name,
        link=target.link,
        occurred_at=timezone.now().isoformat(),
        recipients=tuple(recipients),
    )


def in_batches(items, recipients_of) -> Iterator[list]:
    """``items`` in order, in lists of at most BATCH_RECIPIENTS recipients (``recipients_of(item)`` each)."""
    batch, recipients = [], 0
    for item in items:
        count = recipients_of(item)
        if batch and recipients + count > BATCH_RECIPIENTS:
            yield batch
            batch, recipients = [], 0
        batch.append(item)
        recipients += count
    if batch:
        yield batch


def topic_for(kind: str) -> str:
    return f"{settings.KAFKA_TOPIC_PREFIX}notifications.{kind}"


def dead_letter_topic() -> str:
    return f"{settings.KAFKA_TOPIC_PREFIX}notifications.dead-letter"


def all_topics() -> list[str]:
    return [topic_for(kind) for kind in KINDS]


_FIELD_NAMES = tuple(field.name for field in fields(NotificationEvent))
