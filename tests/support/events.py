"""Notification events as the pipeline carries them, for tests that deliver directly."""

import uuid

from web.notifications.events import Target, new_event


def graph_event(actor, name: str, *, kind: str = "watching", verb: str = "created", group=None, to=None,
                action_id: str | None = None, graph_id: int = 1):
    """An event about graph ``name`` by ``actor``, told to ``to`` (default: the actor).

    By default a "watching" event, which arrives unread like anyone else's
    action would: the tests that use it want a notification to read, count
    and mail. An "owner" event (the actor's own action) arrives read.
    """
    recipients = to if to is not None else [actor]
    reasons = {"owner": {"kind": "owner"},
               "group": {"kind": "group",
                         "group": {"id": group.pk if group else 0, "name": group.name if group else ""}},
               "watching": {"kind": "watching", "watched": {"type": "graph", "id": graph_id, "name": name}}}[kind]
    return new_event(
        action_id=action_id or str(uuid.uuid4()), kind=kind, verb=verb, actor=actor,
        target=Target("graph", graph_id, name, f"/graphs/{graph_id}/", graph_id=graph_id, graph_name=name),
        recipients=[{"user": user.pk, "reasons": [reasons]} for user in recipients], group=group,
    )
