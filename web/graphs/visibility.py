"""Who may see a graph or a layout: the one rule every page, API call and notification keeps.

A graph is seen by its owner and by the members of each group it is shared
with. A layout is seen by its owner, and, once shared, by everyone who sees
its graph.
"""

from django.db.models import Exists, OuterRef, Q

from web.graphs.models import Graph, GraphShare, Layout
from web.groups.models import Membership


def visible_graphs(user):
    shared_with_user = GraphShare.objects.filter(graph=OuterRef("pk"), group__memberships__user=user)
    return Graph.objects.filter(Q(owner=user) | Exists(shared_with_user))


def visible_layouts(user):
    return Layout.objects.filter(graph__in=visible_graphs(user)).filter(Q(owner=user) | Q(shared=True))


def graph_viewer_ids(graph) -> set[int]:
    members = Membership.objects.filter(group__shares__graph=graph).values_list("user_id", flat=True)
    return {graph.owner_id, *members}


def layout_viewer_ids(layout) -> set[int]:
    viewers = graph_viewer_ids(layout.graph)
    return viewers if layout.shared else viewers & {layout.owner_id}
