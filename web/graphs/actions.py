"""Everything a user does to a graph: permission, write and event, in one transaction."""

import uuid

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q

from web.graphs.models import Graph, GraphShare
from web.groups.models import Group, Membership
from web.notifications.events import new_event
from web.outbox import outbox


def create_graph(actor, *, name: str, description: str = "", graph_json: dict | None = None,
                 group: Group | None = None) -> Graph:
    """Create a graph, shared with ``group`` when one is given.

    The owner is told they created it; the group's other members are told it
    was shared with them.
    """
    with transaction.atomic():
        if group is not None and not Membership.objects.filter(group=group, user=actor).exists():
            raise PermissionDenied("you can share only with a group you belong to")
        graph = Graph.objects.create(owner=actor, name=name, description=description, graph_json=graph_json or {})
        action_id = str(uuid.uuid4())
        target = dict(target_type="graph", target_id=graph.pk, target_name=graph.name, link=graph.get_absolute_url())
        events = [new_event(action_id=action_id, kind="owner", verb="created", actor=actor, **target)]
        if group is not None:
            GraphShare.objects.create(graph=graph, group=group, shared_by=actor)
            events.append(new_event(action_id=action_id, kind="group", verb="shared", actor=actor, group=group, **target))
        outbox.record(*events)
    return graph


def visible_graphs(user):
    """Graphs ``user`` may see: their own and those shared with a group of theirs."""
    return (
        Graph.objects.filter(Q(owner=user) | Q(shares__group__memberships__user=user))
        .distinct()
        .order_by("-created")
    )
