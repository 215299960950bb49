"""Notification events as the pipeline carries them, for tests that deliver directly."""

import uuid

from django.utils import timezone

from web.notifications.events import NotificationEvent


def graph_event(actor, name: str, *, kind: str = "owner", verb: str = "created", group=None,
                action_id: str | None = None) -> NotificationEvent:
    return NotificationEvent(
        id=str(uuid.uuid4()), action_id=action_id or str(uuid.uuid4()), kind=kind, verb=verb,
        actor_id=actor.pk, actor_name=actor.username, target_type="graph", target_id=1, target_name=name,
        group_id=group.pk if group else None, group_name=group.name if group else "", link="/graphs/1/",
        occurred_at=timezone.now().isoformat(),
    )
