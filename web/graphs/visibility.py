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


def graph_viewers_among(graph, user_ids) -> set[int]:
    """Those of ``user_ids`` who see the graph.

    Asked of a few people (its watchers), not of everyone who sees it: a
    graph shared with a 10,000-member group has 10,000 viewers to read.
    """
    user_ids = set(user_ids)
    if not user_ids:
        return set()
    members = Membership.objects.filter(group__shares__graph=graph, user_id__in=user_ids).values_list("user_id",
                                                                                                      flat=True)
    return ({graph.owner_id} & user_ids) | set(members)


def layout_viewers_among(layout, user_ids) -> set[int]:
    """Those of ``user_ids`` who see the layout."""
    viewers = graph_viewers_among(layout.graph, user_ids)
    return viewers if layout.shared else viewers & {layout.owner_id}
