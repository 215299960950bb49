"""A notification in words, and as the browser renders it: built from its fields alone.

Pure Python, so the pages, the API, the digest, delivery (for the live
stream) and the realtime process (reading a stream from PostgreSQL) all say
the same thing in the same words. Plain text: templates and the browser
client escape it where it is shown. ``n`` is anything with a notification's
fields (web.notifications.models.Notification, or a row read by name).

Every name goes in through ``isolated`` (common.names): a name that could
reorder the sentence around it (an override stored before names were
checked, or right-to-left letters) is wrapped in Unicode isolates, which
hold in plain text (the digest's text part) as in HTML and the browser's
textContent, so no surface needs a fix of its own.
"""

from common.names import isolated


def describe(n) -> str:
    """The sentence for a notification (or anything with its fields and ``user_id``)."""
    thing = thing_named(n.target_type, n.target_name, n.graph_name)
    old_name, new_name = isolated(n.old_name), isolated(n.target_name)
    if n.kind == "owner":
        if n.verb == "renamed":
            return f"You renamed {n.target_type} “{old_name}” to “{new_name}”."
        return f"You {n.verb} {thing}."
    actor = isolated(n.actor_name)
    if n.verb in ("added", "removed"):
        who = "you" if n.member_id is not None and n.member_id == n.user_id else isolated(n.member_name)
        preposition = "to" if n.verb == "added" else "from"
        return f"{actor} {n.verb} {who} {preposition} {thing}."
    if n.verb == "left":
        return f"{actor} left {thing}."
    if n.verb == "renamed":
        return f"{actor} renamed {n.target_type} “{old_name}” to “{new_name}”."
    if n.verb == "shared" and n.group_name:
        return f"{actor} shared {thing} with “{isolated(n.group_name)}”."
    if n.kind == "group" and n.group_name and n.target_type != "group":
        return f"{actor} {n.verb} {thing}, shared with “{isolated(n.group_name)}”."
    return f"{actor} {n.verb} {thing}."


def thing_named(target_type: str, name: str, graph_name: str) -> str:
    """graph “X”, group “Y”, layout “L” of graph “X”."""
    if target_type == "layout" and graph_name:
        return f"layout “{isolated(name)}” of graph “{isolated(graph_name)}”"
    return f"{target_type} “{isolated(name)}”"


def reasons_in_words(notification) -> list[str]:
    """Why the user was told, in short words: "member of Lab", "watching graph Kinase map"."""
    words = []
    for reason in notification.reasons:
        kind = reason.get("kind")
        if kind == "owner":
            phrase = "you did this"
        elif kind == "group" and reason.get("about_you"):
            phrase = {"added": "you were added", "removed": "you were removed"}.get(notification.verb, "about you")
        elif kind == "group":
            phrase = f"member of {isolated(reason.get('group', {}).get('name', 'a group'))}"
        elif kind == "watching":
            watched = reason.get("watched", {})
            phrase = f"watching {watched.get('type', '')} {isolated(watched.get('name', ''))}".strip()
        else:
            continue
        if phrase not in words:
            words.append(phrase)
    return words


def reasons_at(reasons_lists, index: int) -> list:
    """The reasons list a reader's row names: its place among its notice's lists ([] for none)."""
    lists = reasons_lists or []
    return lists[index] if 0 <= index < len(lists) else []


def grouping_key(group_key: str, notification_id: int) -> str:
    """The group a notification shows in: its notice's key, or, when that is blank, a group of its own."""
    return group_key or f"n{notification_id}"


def event_payload(n) -> dict:
    """A notification as the browser renders it: the realtime stream's and the API's shape."""
    return {
        "id": n.id,
        "group_key": grouping_key(n.group_key, n.id),
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
        "done_at": n.done_at.isoformat() if n.done_at else None,
        "saved": n.saved,
        "snoozed_until": n.snoozed_until.isoformat() if n.snoozed_until else None,
    }


def created_event_payload(n) -> dict:
    """What a "notification.created" stream event says of it: the payload and why it was told."""
    return {"notification": {**event_payload(n), "why": reasons_in_words(n)}}
