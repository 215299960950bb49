"""Graphs: upload, change, share, watch, and their layouts.

A graph the user cannot see answers 404 like a missing one; one they see
but do not own answers 403 to a change.
"""

from django.db.models import Prefetch, prefetch_related_objects
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from web.api.errors import ErrorSerializer
from web.api.idempotency import answer_once, schema_of_create
from web.api.layouts import LayoutInput, LayoutSerializer, LayoutSummarySerializer, WatchingSerializer, layout_data
from web.api.parsing import StrictSerializer, id_field, parse
from web.graphs import actions
from web.graphs.models import GraphShare
from web.graphs.visibility import visible_graphs, visible_layouts
from web.groups.models import Membership
from web.names import validate_name, validate_tag

ELEMENT = {
    "type": "object",
    "required": ["data"],
    "properties": {"data": {"type": "object", "additionalProperties": True}},
    "additionalProperties": True,
}
GRAPH_JSON = {
    "type": "object",
    "description": "Cytoscape.js JSON: every node has data.id, every edge data.source and data.target "
                   "naming nodes. The list form of elements is accepted too; answers use this form.",
    "required": ["elements"],
    "properties": {
        "elements": {
            "type": "object",
            "properties": {"nodes": {"type": "array", "items": ELEMENT}, "edges": {"type": "array", "items": ELEMENT}},
        },
    },
    "additionalProperties": True,
}


@extend_schema_field(GRAPH_JSON)
class GraphJSONField(serializers.JSONField):
    def to_internal_value(self, data):
        if not isinstance(data, (dict, list)):
            raise serializers.ValidationError('expected Cytoscape.js JSON: an object with "elements", or a list')
        return super().to_internal_value(data)


class SharedWithSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class GraphSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    tags = serializers.ListField(child=serializers.CharField())
    owner = serializers.CharField(help_text="the owner's username")
    node_count = serializers.IntegerField()
    edge_count = serializers.IntegerField()
    shared_with = SharedWithSerializer(many=True, help_text="the groups it is shared with that I may know of: "
                                                            "all of them for its owner, mine for a member")
    created = serializers.DateTimeField()
    updated = serializers.DateTimeField()


class GraphSerializer(GraphSummarySerializer):
    graph_json = GraphJSONField()


class GraphInput(StrictSerializer):
    name = serializers.CharField(max_length=actions.NAME_MAX, validators=[validate_name])
    description = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    tags = serializers.ListField(child=serializers.CharField(max_length=actions.TAG_MAX, validators=[validate_tag]),
                                 required=False, max_length=actions.TAGS_MAX)
    graph_json = GraphJSONField(required=False)


class GraphCreateInput(GraphInput):
    # Required here: an upload without a graph is a mistake, not an empty graph (send {"elements": []} for that).
    graph_json = GraphJSONField(error_messages={
        "required": 'no graph given: send the graph as Cytoscape.js JSON (an empty graph is {{"elements": []}})'})
    group = id_field(required=False, allow_null=True, help_text="share it with this group of mine at once")


class GroupRef(StrictSerializer):
    group = id_field(help_text="a group's id")


def _shares():
    return Prefetch("shares", queryset=GraphShare.objects.select_related("group").order_by("group__name", "group_id"))


def graphs_for(user, *, with_json: bool):
    graphs = visible_graphs(user).select_related("owner").prefetch_related(_shares()).order_by("-id")
    return graphs if with_json else graphs.defer("graph_json")


def graph_data(graph, viewer, my_group_ids: set[int] | None = None, *, with_json: bool = True) -> dict:
    if my_group_ids is None:
        my_group_ids = group_ids_of(viewer)
    shares = [share.group for share in graph.shares.all()]
    if graph.owner_id != viewer.pk:
        shares = [group for group in shares if group.pk in my_group_ids]
    data = {
        "id": graph.pk,
        "name": graph.name,
        "description": graph.description,
        "tags": graph.tags,
        "owner": graph.owner.username,
        "node_count": graph.node_count,
        "edge_count": graph.edge_count,
        "shared_with": [{"id": group.pk, "name": group.name} for group in shares],
        "created": graph.created,
        "updated": graph.updated,
    }
    if with_json:
        data["graph_json"] = graph.graph_json
    return data


def group_ids_of(user) -> set[int]:
    return set(Membership.objects.filter(user=user).values_list("group_id", flat=True))


def _answer(user, graph_id: int, status_code=status.HTTP_200_OK) -> Response:
    graph = graphs_for(user, with_json=True).get(pk=graph_id)
    return Response(graph_data(graph, user), status=status_code)


class GraphList(APIView):
    @extend_schema(responses=GraphSummarySerializer(many=True),
                   summary="The graphs I can see, newest first (a plain list, without graph_json)")
    def get(self, request):
        mine = group_ids_of(request.user)
        return Response([graph_data(graph, request.user, mine, with_json=False)
                         for graph in graphs_for(request.user, with_json=False)])

    @schema_of_create(request=GraphCreateInput, responses={201: GraphSerializer},
                      summary="Upload a graph, shared with one of my groups if given")
    def post(self, request):
        def create():
            fields = parse(GraphCreateInput, request)
            graph = actions.create_graph(request.user, group_id=fields.pop("group", None), **fields)
            # From the graph the action returned, inside its transaction (idempotency.py): its share is the one
            # just made, and the graph JSON is what was stored.
            prefetch_related_objects([graph], "owner", _shares())
            return graph_data(graph, request.user), status.HTTP_201_CREATED
        return answer_once(request, create)


class GraphDetail(APIView):
    @extend_schema(responses=GraphSerializer, summary="A graph I can see, with its graph_json")
    def get(self, request, pk: int):
        return _answer(request.user, pk)

    @extend_schema(request=GraphInput, responses=GraphSerializer, summary="Change a graph (its owner)")
    def patch(self, request, pk: int):
        actions.update_graph(request.user, pk, **parse(GraphInput, request, partial=True))
        return _answer(request.user, pk)

    @extend_schema(responses={204: None}, summary="Delete a graph and its layouts (its owner)")
    def delete(self, request, pk: int):
        actions.delete_graph(request.user, pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ShareGraph(APIView):
    @extend_schema(request=GroupRef, responses=GraphSerializer, summary="Share a graph with one of my groups")
    def post(self, request, pk: int):
        actions.share_graph(request.user, pk, parse(GroupRef, request)["group"])
        return _answer(request.user, pk)


class UnshareGraph(APIView):
    @extend_schema(request=GroupRef, responses=GraphSerializer, summary="Stop sharing a graph with a group")
    def post(self, request, pk: int):
        actions.unshare_graph(request.user, pk, parse(GroupRef, request)["group"])
        return _answer(request.user, pk)


class WatchGraph(APIView):
    @schema_of_create(request=None, responses={200: WatchingSerializer, 400: ErrorSerializer},
                      summary="Hear of what happens to a graph I see (not my own)")
    def post(self, request, pk: int):
        def watch():
            actions.watch_graph(request.user, pk)
            return {"watching": True}, status.HTTP_200_OK
        return answer_once(request, watch)

    @extend_schema(responses={200: WatchingSerializer}, summary="Stop watching a graph")
    def delete(self, request, pk: int):
        actions.unwatch_graph(request.user, pk)
        return Response({"watching": False})


class GraphLayouts(APIView):
    @extend_schema(responses=LayoutSummarySerializer(many=True),
                   summary="The layouts of a graph I can see (a plain list, without positions)")
    def get(self, request, pk: int):
        graph = visible_graphs(request.user).get(pk=pk)
        layouts = (visible_layouts(request.user).filter(graph=graph).select_related("owner")
                   .defer("positions").order_by("-id"))
        return Response([layout_data(layout, with_positions=False) for layout in layouts])

    @schema_of_create(request=LayoutInput, responses={201: LayoutSerializer},
                      summary="Save a layout of a graph I can see")
    def post(self, request, pk: int):
        def create():
            layout = actions.create_layout(request.user, pk, **parse(LayoutInput, request))
            return layout_data(layout), status.HTTP_201_CREATED
        return answer_once(request, create)
