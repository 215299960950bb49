"""What a notification is about, as the person reading it may see it now.

A notification keeps the names its target had when it was told; the target
may since have been renamed, deleted or unshared. These answer "what is it
called for this user" and "may this user still open it", by the same rules
every page keeps (web.graphs.visibility, group membership).
"""

from common.notification_text import thing_named
from web.graphs.visibility import visible_graphs, visible_layouts
from web.groups.models import Group
from web.notifications.models import Notification


def is_visible(user, target_type: str, target_id: int) -> bool:
    """Whether ``user`` may open the graph, layout or group now."""
    return _visible(user, target_type).filter(pk=target_id).exists()


def describe_target(user, target: str) -> str:
    """A filter's target ("graph:12") in words: 'graph “Kinase map”'.

    Its name now when the user can see it; else the name their own newest
    notification about it gave (they were told it, so it tells them nothing
    new); else only its type and number.
    """
    target_type, raw_id = target.split(":")
    target_id = int(raw_id)
    current = _visible(user, target_type).filter(pk=target_id)
    if target_type == "layout":
        row = current.values_list("name", "graph__name").first()
    else:
        name = current.values_list("name", flat=True).first()
        row = None if name is None else (name, "")
    if row:
        return thing_named(target_type, *row)
    told = _last_told_name(user, target_type, target_id)
    return told or f"{target_type} {target_id}"


def _visible(user, target_type: str):
    if target_type == "graph":
        return visible_graphs(user)
    if target_type == "layout":
        return visible_layouts(user)
    if target_type == "group":
        return Group.objects.filter(memberships__user=user)
    raise ValueError(f"unknown target type {target_type!r}")


def _last_told_name(user, target_type: str, target_id: int) -> str:
    mine = Notification.objects.filter(user=user).order_by("user_id", "-id")
    if target_type == "graph":
        row = (mine.filter(notice__graph_id=target_id).exclude(notice__graph_name="")
               .values_list("notice__graph_name", flat=True).first())
        return thing_named("graph", row, "") if row else ""
    if target_type == "group":
        told = (mine.filter(notice__target_type="group", notice__target_id=target_id)
                .values_list("notice__target_name", flat=True).first()
                or mine.filter(notice__group_id=target_id).exclude(notice__group_name="")
                .values_list("notice__group_name", flat=True).first())
        return thing_named("group", told, "") if told else ""
    row = (mine.filter(notice__target_type="layout", notice__target_id=target_id)
           .values_list("notice__target_name", "notice__graph_name").first())
    return thing_named("layout", *row) if row else ""
