"""Everything a user does to a graph, a layout or a watch: permission, write and event, in one transaction.

A graph or layout the actor cannot see raises DoesNotExist, exactly like one
that does not exist (pages and the API answer 404, never 403 with details);
one they see but may not change raises PermissionDenied; bad input raises
ValidationError, or GraphInvalid for an upload, with the reason.
"""

from functools import partial

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from web.graphs import cytoscape
from web.graphs.models import Graph, GraphShare, Layout, Watch
from web.graphs.visibility import graph_viewers_among, layout_viewers_among, visible_graphs, visible_layouts
from web.groups.actions import member_ids
from web.groups.models import Group
from web.names import validate_name, validate_tag
from web.notifications.audience import Audience
from web.notifications.events import Target
from web.outbox import outbox

NAME_MAX = 200
TAGS_MAX = 20
TAG_MAX = 50

# A refusal names this many of the unknown node ids it found, and counts the rest.
UNKNOWN_NAMED = 3

_UNSET = object()


# Graphs

def create_graph(actor, *, name: str, description: str = "", tags=(), graph_json=None,
                 group_id: int | None = None) -> Graph:
    """Upload a graph, shared with ``group_id`` when given (a group of the actor's).

    ``graph_json``: decoded JSON, or the text of an uploaded file.
    """
    parsed = _parse(graph_json if graph_json is not None else {"elements": []})
    fields = dict(name=_clean_name(name), description=description or "", tags=_clean_tags(tags))
    with transaction.atomic():
        group = _my_group(actor, group_id) if group_id is not None else None
        graph = Graph.objects.create(owner=actor, graph_json=parsed.graph_json, node_count=parsed.node_count,
                                     edge_count=parsed.edge_count, **fields)
        audience = Audience(actor).tell_actor()
        if group is not None:
            GraphShare.objects.create(graph=graph, group=group, shared_by=actor)
            audience.tell_members(group, member_ids(group))
        outbox.record(*audience.events(verb="shared", owner_verb="uploaded", target=graph_target(graph)))
    return graph


def update_graph(actor, graph_id: int, *, name=_UNSET, description=_UNSET, tags=_UNSET, graph_json=_UNSET) -> Graph:
    changes = {}
    if name is not _UNSET:
        changes["name"] = _clean_name(name)
    if description is not _UNSET:
        changes["description"] = description or ""
    if tags is not _UNSET:
        changes["tags"] = _clean_tags(tags)
    if graph_json is not _UNSET:
        parsed = _parse(graph_json)
        changes.update(graph_json=parsed.graph_json, node_count=parsed.node_count, edge_count=parsed.edge_count)
    with transaction.atomic():
        graph = _owned_graph(actor, graph_id)
        if all(getattr(graph, field) == value for field, value in changes.items()):
            return graph  # nothing changed: nobody is told
        for field, value in changes.items():
            setattr(graph, field, value)
        graph.save()
        outbox.record(*_graph_audience(actor, graph).events(verb="updated", target=graph_target(graph)))
    return graph


def delete_graph(actor, graph_id: int) -> None:
    with transaction.atomic():
        graph = _owned_graph(actor, graph_id)
        # Told before it goes: afterwards its groups and watchers are gone too.
        audience = _graph_audience(actor, graph)
        # Its shared layouts go with it: their watchers hear of it too.
        for layout in graph.layouts.filter(shared=True).order_by("pk"):
            audience.tell_watchers(_watchers(partial(graph_viewers_among, graph), layout=layout),
                                   layout_target(layout))
        events = audience.events(verb="deleted", target=graph_target(graph, link=False))
        graph.delete()
        outbox.record(*events)


def share_graph(actor, graph_id: int, group_id: int) -> GraphShare:
    """Share with a group of the owner's; sharing twice changes nothing."""
    with transaction.atomic():
        graph = _owned_graph(actor, graph_id)
        group = _my_group(actor, group_id)
        share, created = GraphShare.objects.get_or_create(graph=graph, group=group, defaults={"shared_by": actor})
        if created:
            audience = Audience(actor).tell_members(group, member_ids(group))
            outbox.record(*audience.events(verb="shared", target=graph_target(graph)))
    return share


def unshare_graph(actor, graph_id: int, group_id: int) -> None:
    """Stop sharing with a group. Nobody is told: its members can no longer see what it was about."""
    with transaction.atomic():
        graph = _owned_graph(actor, graph_id)
        deleted, _ = GraphShare.objects.filter(graph=graph, group_id=group_id).delete()
        if not deleted:
            raise ValidationError("the graph is not shared with that group")


def graph_target(graph: Graph, *, link: bool = True) -> Target:
    return Target("graph", graph.pk, graph.name, graph.get_absolute_url() if link else "",
                  graph_id=graph.pk, graph_name=graph.name)


def _graph_audience(actor, graph: Graph) -> Audience:
    """The actor, every member of a group the graph is shared with, and its watchers who see it."""
    audience = Audience(actor).tell_actor()
    for group in Group.objects.filter(shares__graph=graph).order_by("pk"):
        audience.tell_members(group, member_ids(group))
    return audience.tell_watchers(_watchers(partial(graph_viewers_among, graph), graph=graph), graph_target(graph))


# Layouts

def create_layout(actor, graph_id: int, *, name: str, positions=None, shared: bool = False) -> Layout:
    name = _clean_name(name)
    with transaction.atomic():
        graph = visible_graphs(actor).get(pk=graph_id)
        layout = Layout.objects.create(graph=graph, owner=actor, name=name,
                                       positions=_clean_positions(positions, graph), shared=bool(shared))
        audience = _layout_audience(actor, layout) if layout.shared else Audience(actor).tell_actor()
        outbox.record(*audience.events(verb="shared", owner_verb="created", target=layout_target(layout)))
    return layout


def update_layout(actor, layout_id: int, *, name=_UNSET, positions=_UNSET, shared=_UNSET) -> Layout:
    changes = {}
    if name is not _UNSET:
        changes["name"] = _clean_name(name)
    if shared is not _UNSET:
        changes["shared"] = bool(shared)
    with transaction.atomic():
        layout = _owned_layout(actor, layout_id)
        if positions is not _UNSET:
            # A node the graph lost when its JSON was replaced keeps the place the layout gave it.
            changes["positions"] = _clean_positions(positions, layout.graph, kept=layout.positions)
        if all(getattr(layout, field) == value for field, value in changes.items()):
            return layout
        was_shared = layout.shared
        for field, value in changes.items():
            setattr(layout, field, value)
        layout.save()
        if layout.shared:
            # Newly shared: the graph's people hear it was shared; already
            # shared: they hear it changed.
            audience, verb = _layout_audience(actor, layout), ("updated" if was_shared else "shared")
        else:
            # Private (again): only its owner sees it, so only its owner is told.
            audience, verb = Audience(actor).tell_actor(), "updated"
        outbox.record(*audience.events(verb=verb, owner_verb="updated", target=layout_target(layout)))
    return layout


def delete_layout(actor, layout_id: int) -> None:
    with transaction.atomic():
        layout = _owned_layout(actor, layout_id)
        audience = _layout_audience(actor, layout) if layout.shared else Audience(actor).tell_actor()
        events = audience.events(verb="deleted", target=layout_target(layout, link=False))
        layout.delete()
        outbox.record(*events)


def layout_target(layout: Layout, *, link: bool = True) -> Target:
    return Target("layout", layout.pk, layout.name, layout.get_absolute_url() if link else "",
                  graph_id=layout.graph_id, graph_name=layout.graph.name)


def _layout_audience(actor, layout: Layout) -> Audience:
    """For a shared layout: the actor, the members of its graph's groups, watchers of the graph and of the layout."""
    graph = layout.graph
    audience = Audience(actor).tell_actor()
    for group in Group.objects.filter(shares__graph=graph).order_by("pk"):
        audience.tell_members(group, member_ids(group))
    seen_by = partial(layout_viewers_among, layout)
    audience.tell_watchers(_watchers(seen_by, graph=graph), graph_target(graph))
    return audience.tell_watchers(_watchers(seen_by, layout=layout), layout_target(layout))


# Watching

def watch_graph(actor, graph_id: int) -> Watch:
    return _watch(actor, visible_graphs(actor), graph_id, "graph")


def unwatch_graph(actor, graph_id: int) -> None:
    _unwatch(actor, visible_graphs(actor), graph_id, "graph")


def watch_layout(actor, layout_id: int) -> Watch:
    return _watch(actor, visible_layouts(actor), layout_id, "layout")


def unwatch_layout(actor, layout_id: int) -> None:
    _unwatch(actor, visible_layouts(actor), layout_id, "layout")


def _watch(actor, visible, target_id: int, target_type: str) -> Watch:
    with transaction.atomic():
        target = visible.get(pk=target_id)
        if target.owner_id == actor.pk:
            raise ValidationError(f"you own this {target_type}: you hear of it already")
        watch, _ = Watch.objects.get_or_create(user=actor, **{target_type: target})
    return watch


def _unwatch(actor, visible, target_id: int, target_type: str) -> None:
    target = visible.get(pk=target_id)
    Watch.objects.filter(user=actor, **{target_type: target}).delete()


def is_watching(user, *, graph=None, layout=None) -> bool:
    return Watch.objects.filter(user=user, graph=graph, layout=layout).exists()


# Shared checks

def _owned_graph(actor, graph_id: int) -> Graph:
    graph = visible_graphs(actor).select_for_update(of=("self",)).get(pk=graph_id)
    if graph.owner_id != actor.pk:
        raise PermissionDenied("only the graph's owner can do that")
    return graph


def _owned_layout(actor, layout_id: int) -> Layout:
    layout = visible_layouts(actor).select_related("graph").select_for_update(of=("self",)).get(pk=layout_id)
    if layout.owner_id != actor.pk:
        raise PermissionDenied("only the layout's owner can do that")
    return layout


def _my_group(actor, group_id: int) -> Group:
    group = Group.objects.filter(pk=group_id, memberships__user=actor).first()
    if group is None:
        raise ValidationError("you can share only with a group you belong to")
    return group


def _watchers(seen_by, *, graph=None, layout=None) -> list[int]:
    """The watchers of ``graph`` or ``layout`` that ``seen_by(ids)`` says see what the action is about.

    A watcher who can no longer see the thing (unshared, left the group)
    is not told of it.
    """
    watching = list(Watch.objects.filter(graph=graph, layout=layout).values_list("user_id", flat=True))
    return sorted(seen_by(watching)) if watching else []


def _parse(graph_json) -> cytoscape.ParsedGraph:
    if isinstance(graph_json, (str, bytes)):
        return cytoscape.parse_text(graph_json)
    return cytoscape.parse_data(graph_json)


def _clean_name(name: str) -> str:
    name = (name or "").strip() if isinstance(name, str) else ""
    if not name:
        raise ValidationError("a name is required")
    if len(name) > NAME_MAX:
        raise ValidationError(f"a name has at most {NAME_MAX} characters")
    validate_name(name)
    return name


def _clean_tags(tags) -> list[str]:
    if isinstance(tags, str):
        tags = tags.split(",")
    if not isinstance(tags, (list, tuple)) or not all(isinstance(t, str) for t in tags):
        raise ValidationError("tags are a list of words")
    cleaned = list(dict.fromkeys(t.strip() for t in tags if t.strip()))
    if len(cleaned) > TAGS_MAX or any(len(t) > TAG_MAX for t in cleaned):
        raise ValidationError(f"at most {TAGS_MAX} tags of at most {TAG_MAX} characters each")
    for tag in cleaned:
        validate_tag(tag)
    return cleaned


def _clean_positions(positions, graph: Graph, *, kept=()) -> dict:
    """{"<node id>": {"x": <number>, "y": <number>}, ...}: of nodes of ``graph``, or of ``kept`` (the layout's own).

    The one check of a layout's positions, whether typed as JSON, sent by the
    API or dragged on the drawing (web/static/beacon/graph.js).
    """
    positions = positions if positions is not None else {}
    if not isinstance(positions, dict):
        raise ValidationError('positions are an object: {"<node id>": {"x": <number>, "y": <number>}}')
    limit = settings.GRAPH_MAX_NODES
    if len(positions) > limit:
        raise ValidationError(f"{len(positions):,} positions given; a layout has at most {limit:,}")
    for node_id, point in positions.items():
        if not (isinstance(point, dict) and all(isinstance(point.get(axis), (int, float))
                                                and not isinstance(point.get(axis), bool) for axis in ("x", "y"))):
            raise ValidationError(f"the position of {node_id!r} is not {{\"x\": <number>, \"y\": <number>}}")
    unknown = [node_id for node_id in positions if node_id not in kept]
    if unknown:
        unknown = sorted(set(unknown) - cytoscape.node_ids(graph.graph_json))
    if unknown:
        named = ", ".join(repr(node_id) for node_id in unknown[:UNKNOWN_NAMED])
        more = f" and {len(unknown) - UNKNOWN_NAMED:,} more" if len(unknown) > UNKNOWN_NAMED else ""
        raise ValidationError(f"no node {named}{more} in the graph: a position is of one of its nodes")
    return positions
