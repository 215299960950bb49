"""The notification event: what an action says on Kafka.

Producers build one with :func:`new_event`; the consumer rebuilds it with
:meth:`NotificationEvent.from_dict`, which rejects anything malformed with an
:class:`InvalidEvent` naming the fault, so that record can go to the
dead-letter topic instead of stopping the consumer.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict, dataclass
from datetime import datetime

from django.conf import settings
from django.utils import timezone

KINDS = ("owner", "group", "watching")
TARGET_TYPES = ("graph", "layout", "group")
SCHEMA_VERSION = 1


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
    group_id: int | None
    group_name: str
    link: str
    occurred_at: str  # ISO 8601 with offset

    def to_dict(self) -> dict:
        return {"v": SCHEMA_VERSION, **asdict(self)}

    def to_json(self) -> bytes:
        return json.dumps(self.to_dict(), separators=(",", ":")).encode()

    @property
    def kafka_key(self) -> str:
        # Events about one resource share a partition, so they stay in order.
        return f"{self.target_type}:{self.target_id}"

    @classmethod
    def from_dict(cls, data: object) -> NotificationEvent:
        if not isinstance(data, dict):
            raise InvalidEvent("event is not a JSON object")
        if data.get("v") != SCHEMA_VERSION:
            raise InvalidEvent(f"unknown event version {data.get('v')!r}")
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
            data = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
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
    "group_id": (int, type(None)),
    "group_name": str,
    "link": str,
    "occurred_at": str,
}


def _is(value: object, kind) -> bool:
    # bool is an int to isinstance; an id of True is a malformed record.
    if isinstance(value, bool):
        return False
    return isinstance(value, kind)


def new_event(*, action_id: str, kind: str, verb: str, actor, target_type: str, target_id: int,
              target_name: str, link: str = "", group=None) -> NotificationEvent:
    return NotificationEvent(
        id=str(uuid.uuid4()),
        action_id=action_id,
        kind=kind,
        verb=verb,
        actor_id=actor.pk,
        actor_name=actor.get_username(),
        target_type=target_type,
        target_id=target_id,
        target_name=target_name,
        group_id=group.pk if group is not None else None,
        group_name=group.name if group is not None else "",
        link=link,
        occurred_at=timezone.now().isoformat(),
    )


def topic_for(kind: str) -> str:
    return f"{settings.KAFKA_TOPIC_PREFIX}notifications.{kind}"


def dead_letter_topic() -> str:
    return f"{settings.KAFKA_TOPIC_PREFIX}notifications.dead-letter"


def all_topics() -> list[str]:
    return [topic_for(kind) for kind in KINDS]
