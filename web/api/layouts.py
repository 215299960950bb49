"""Layouts: saved node positions of a graph. Private to their owner until shared."""

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from web.api.errors import ErrorSerializer
from web.api.idempotency import answer_once, schema_of_create
from web.api.parsing import StrictSerializer, parse
from web.graphs import actions
from web.graphs.visibility import visible_layouts
from web.names import validate_name

POSITIONS = {
    "type": "object",
    "description": 'node id -> {"x": <number>, "y": <number>}',
    "additionalProperties": {
        "type": "object",
        "required": ["x", "y"],
        "properties": {"x": {"type": "number"}, "y": {"type": "number"}},
    },
}


@extend_schema_field(POSITIONS)
class PositionsField(serializers.JSONField):
    pass


class LayoutSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    graph = serializers.IntegerField(help_text="the graph's id")
    name = serializers.CharField()
    owner = serializers.CharField(help_text="the owner's username")
    shared = serializers.BooleanField(help_text="seen by everyone who sees the graph (else by its owner only)")
    created = serializers.DateTimeField()
    updated = serializers.DateTimeField()


class LayoutSerializer(LayoutSummarySerializer):
    positions = PositionsField()


class LayoutInput(StrictSerializer):
    name = serializers.CharField(max_length=actions.NAME_MAX, validators=[validate_name])
    positions = PositionsField(required=False)
    shared = serializers.BooleanField(required=False)


class WatchingSerializer(serializers.Serializer):
    watching = serializers.BooleanField()


def layout_data(layout, *, with_positions: bool = True) -> dict:
    data = {
        "id": layout.pk,
        "graph": layout.graph_id,
        "name": layout.name,
        "owner": layout.owner.username,
        "shared": layout.shared,
        "created": layout.created,
        "updated": layout.updated,
    }
    if with_positions:
        data["positions"] = layout.positions
    return data


def _answer(user, layout_id: int) -> Response:
    return Response(layout_data(visible_layouts(user).select_related("owner").get(pk=layout_id)))


class LayoutDetail(APIView):
    @extend_schema(responses=LayoutSerializer, summary="A layout I can see")
    def get(self, request, pk: int):
        return _answer(request.user, pk)

    @extend_schema(request=LayoutInput, responses=LayoutSerializer, summary="Change a layout (its owner)")
    def patch(self, request, pk: int):
        actions.update_layout(request.user, pk, **parse(LayoutInput, request, partial=True))
        return _answer(request.user, pk)

    @extend_schema(responses={204: None}, summary="Delete a layout (its owner)")
    def delete(self, request, pk: int):
        actions.delete_layout(request.user, pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WatchLayout(APIView):
    @schema_of_create(request=None, responses={200: WatchingSerializer, 400: ErrorSerializer},
                      summary="Hear of what happens to a layout I see (not my own)")
    def post(self, request, pk: int):
        def watch():
            actions.watch_layout(request.user, pk)
            return {"watching": True}, status.HTTP_200_OK
        return answer_once(request, watch)

    @extend_schema(responses={200: WatchingSerializer}, summary="Stop watching a layout")
    def delete(self, request, pk: int):
        actions.unwatch_layout(request.user, pk)
        return Response({"watching": False})
