"""A notification as the browser renders it: the realtime stream's and the API's shape.

Built from a notification's fields alone, so a stored ``Notification`` and a
batch's ``NewNotification`` (web/notifications/rows.py), which is not a model
instance, give the same payload.
"""

from web.notifications.text import describe


def event_payload(n) -> dict:
    """A notification as the browser renders it (plain text; the client escapes): a stored
    Notification or a NewNotification."""
    return {
        "id": n.id,
        "group_key": n.group_key or f"n{n.id}",
        "kind": n.kind,
        "verb": n.verb,
        "actor": n.actor_name,
        "target": {"type": n.target_type, "id": n.target_id, "name": n.target_name},
        "graph_id": n.graph_id,
        "group_id": n.group_id,
        "text": describe(n),
        "link": n.link,
        "reasons": n.reasons,
        "created": n.created.isoformat(),
        "read_at": n.read_at.isoformat() if n.read_at else None,
        "mailed_at": n.mailed_at.isoformat() if n.mailed_at else None,
    }
