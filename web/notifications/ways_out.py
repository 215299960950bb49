"""A way out of every notification: beside each reason it was sent for, what stops it.

"watching graph X" → Unwatch (the graph's or layout's unwatch form), "member of
Lab" → Mute this group, and the kind's preference (Turn off group
notifications). Each carries its inverse, so the page can offer Undo, and a
plain form that works without JavaScript: a POST with ``next`` to the same
endpoints, or, for a preference, the profile page's form.
"""

from dataclasses import dataclass
from types import SimpleNamespace

from django.urls import reverse

from common.notification_text import reasons_in_words

# What each kind's preference is called where the way out offers it.
TURN_OFF = {"group": "Turn off group notifications", "owner": "Turn off your own actions"}


@dataclass(frozen=True)
class WayOut:
    label: str
    url: str  # POST here; a preference: PATCH the API (``patch``), or the profile form without JavaScript
    undo_url: str = ""
    patch: str = ""  # the preference field, for a way out that is a preference
    done: str = ""  # what the page says once it is done


@dataclass(frozen=True)
class Reason:
    words: str
    ways_out: tuple[WayOut, ...]


def reasons_with_ways_out(notification) -> list[Reason]:
    """Each reason in words (as reasons_in_words says it) with the ways out of it."""
    reasons, seen = [], set()
    for reason in notification.reasons:
        words = reasons_in_words(SimpleNamespace(reasons=[reason], verb=notification.verb))
        if not words or words[0] in seen:
            continue
        seen.add(words[0])
        reasons.append(Reason(words[0], tuple(_ways_out(notification, reason))))
    return reasons


def _ways_out(notification, reason: dict):
    kind = reason.get("kind")
    if kind == "watching":
        watched = reason.get("watched") or {}
        watched_id, name = watched.get("id"), watched.get("name", "")
        if watched.get("type") == "graph" and watched_id:
            yield WayOut("Unwatch", reverse("graphs:unwatch", args=[watched_id]),
                         reverse("graphs:watch", args=[watched_id]), done=f"You no longer watch graph “{name}”.")
        elif watched.get("type") == "layout" and watched_id and notification.graph_id:
            args = [notification.graph_id, watched_id]
            yield WayOut("Unwatch", reverse("graphs:unwatch_layout", args=args),
                         reverse("graphs:watch_layout", args=args), done=f"You no longer watch layout “{name}”.")
    elif kind == "group" and not reason.get("about_you"):
        group = reason.get("group") or {}
        if group.get("id"):
            yield WayOut("Mute this group", reverse("groups:mute", args=[group["id"]]),
                         reverse("groups:unmute", args=[group["id"]]),
                         done=f"Muted “{group.get('name', '')}”: nothing more from it.")
        yield _preference("group")
    elif kind == "owner":
        yield _preference("owner")


def _preference(kind: str) -> WayOut:
    return WayOut(TURN_OFF[kind], reverse("accounts:profile") + "#preferences", patch=f"app_{kind}",
                  done=f"{TURN_OFF[kind].replace('Turn off', 'Turned off')}.")
