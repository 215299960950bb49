"""Groups and their members. Someone else's group answers 404; a member doing an owner's action, 403."""

from django.db.models import Prefetch, prefetch_related_objects
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from web.api.errors import ErrorSerializer
from web.api.idempotency import answer_once, schema_of_create
from web.api.parsing import StrictSerializer, parse
from web.groups import actions
from web.groups.models import Group, Membership
from web.names import validate_name


class GroupSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    owner = serializers.CharField(help_text="the owner's username")
    members = serializers.ListField(child=serializers.CharField(), help_text="usernames, the owner among them")
    created = serializers.DateTimeField()


class GroupInput(StrictSerializer):
    name = serializers.CharField(max_length=actions.NAME_MAX, validators=[validate_name])


class MemberInput(StrictSerializer):
    username = serializers.CharField(max_length=150)


def _members():
    return Prefetch("memberships", queryset=Membership.objects.select_related("user").order_by("user__username"))


def my_groups(user):
    return actions.my_groups(user).select_related("owner").prefetch_related(_members()).order_by("name", "id")


def group_data(group: Group) -> dict:
    return {
        "id": group.pk,
        "name": group.name,
        "owner": group.owner.username,
        "members": [membership.user.username for membership in group.memberships.all()],
        "created": group.created,
    }


def _answer(user, group_id: int, status_code=status.HTTP_200_OK) -> Response:
    return Response(group_data(my_groups(user).get(pk=group_id)), status=status_code)


def _created(group: Group) -> tuple[dict, int]:
    """The answer to a create, from the group the action returned, inside its transaction (idempotency.py)."""
    prefetch_related_objects([group], "owner", _members())
    return group_data(group), status.HTTP_201_CREATED


class GroupList(APIView):
    @extend_schema(responses=GroupSerializer(many=True), summary="The groups I belong to (a plain list)")
    def get(self, request):
        return Response([group_data(group) for group in my_groups(request.user)])

    @schema_of_create(request=GroupInput, responses={201: GroupSerializer},
                      summary="Create a group; I own it")
    def post(self, request):
        def create():
            return _created(actions.create_group(request.user, **parse(GroupInput, request)))
        return answer_once(request, create)


class GroupDetail(APIView):
    @extend_schema(responses=GroupSerializer, summary="A group I belong to")
    def get(self, request, pk: int):
        return _answer(request.user, pk)

    @extend_schema(request=GroupInput, responses=GroupSerializer, summary="Rename a group (its owner)")
    def patch(self, request, pk: int):
        changes = parse(GroupInput, request, partial=True)
        if changes:  # the name is all a group has to change
            actions.rename_group(request.user, pk, **changes)
        return _answer(request.user, pk)

    @extend_schema(responses={204: None}, summary="Delete a group (its owner); its graphs stay with their owners")
    def delete(self, request, pk: int):
        actions.delete_group(request.user, pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class GroupMembers(APIView):
    @schema_of_create(request=MemberInput, responses={201: GroupSerializer},
                      summary="Add a member (the owner)")
    def post(self, request, pk: int):
        def add():
            return _created(actions.add_member(request.user, pk, parse(MemberInput, request)["username"]).group)
        return answer_once(request, add)


class GroupMember(APIView):
    @extend_schema(responses={204: None, 400: ErrorSerializer},
                   summary="Remove a member (the owner), or leave the group (a member naming themself)")
    def delete(self, request, pk: int, username: str):
        if username == request.user.get_username():
            actions.leave_group(request.user, pk)
        else:
            actions.remove_member(request.user, pk, username)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MutedSerializer(serializers.Serializer):
    group = serializers.IntegerField()
    muted = serializers.BooleanField()


class GroupMute(APIView):
    """A per-group mute: nothing of what happens in the group is told to me (what happens to me in it, still)."""

    @extend_schema(request=None, responses={200: MutedSerializer}, summary="Mute a group I belong to")
    def put(self, request, pk: int):
        actions.mute_group(request.user, pk)
        return Response({"group": pk, "muted": True})

    @extend_schema(responses={200: MutedSerializer}, summary="Unmute a group I belong to")
    def delete(self, request, pk: int):
        actions.unmute_group(request.user, pk)
        return Response({"group": pk, "muted": False})
