"""The notification list, the unread count, read state, done, saved and snoozed.

The list is what clients poll, so it stays lean: one query for the page, one
for the count and cursor, and each notification's dict is built directly
(Notification.as_event_payload, the shape the realtime stream uses).
"""

from urllib.parse import urlencode

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from common.ids import BIGINT_MAX
from common.time_zones import UnknownZone
from web.accounts.preferences import zone_of
from web.api.errors import ErrorSerializer
from web.api.parsing import StrictSerializer, id_field, parse
from web.groups import actions as group_actions
from web.kinds import Kind
from web.notifications import actions, stream
from web.notifications.models import Notification
from web.notifications.queries import (
    MAX_PAGE_SIZE,
    PAGE_SIZE,
    STATES,
    TARGET_TYPES,
    NotificationFilter,
    page_of,
    parse_paging,
)
from web.notifications.snooze import PRESETS, BadSnooze, snooze_end

# The id as common.ids reads it: digits 0-9, up to PostgreSQL's bigint (a pattern cannot say how far up).
TARGET_PATTERN = r"^(graph|layout|group):[1-9][0-9]{0,18}$"
# As NotificationFilter reads it (web/notifications/queries.py).
GROUP_PATTERN = r"^([a-z]+:[a-z]+:[0-9]{1,19}:[0-9a-f]{1,32}|n[0-9]{1,19})$"


class TargetSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=TARGET_TYPES)
    id = serializers.IntegerField()
    name = serializers.CharField()


class NotificationSerializer(serializers.Serializer):
    """One notification, as answered (documentation only: answers are built by as_event_payload)."""

    id = serializers.IntegerField()
    group_key = serializers.CharField(
        help_text="notifications sharing it show as one row (one kind, one target, close together in time): "
                  "list a group with ?group=<group_key>, mark it read with read-all's group")
    kind = serializers.ChoiceField(choices=Kind.values)
    verb = serializers.CharField()
    actor = serializers.CharField(help_text="the name of who acted")
    target = TargetSerializer()
    graph_id = serializers.IntegerField(allow_null=True, help_text="the graph, for a graph or a layout")
    group_id = serializers.IntegerField(allow_null=True, help_text="the group it was told as part of, if any")
    text = serializers.CharField(help_text="the sentence to show, plain text")
    link = serializers.CharField(help_text='where the target is; "" when it is gone')
    reasons = serializers.ListField(child=serializers.DictField(), help_text="why this user was told")
    created = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)
    mailed_at = serializers.DateTimeField(allow_null=True)
    done_at = serializers.DateTimeField(
        allow_null=True, help_text="when it was marked done (out of the inbox, read, deleted after "
                                   "NOTIFICATIONS_DONE_KEEP_DAYS unless saved); null in the inbox")
    saved = serializers.BooleanField(help_text="starred: listed with state=saved and never deleted")
    snoozed_until = serializers.DateTimeField(
        allow_null=True, help_text="snoozed: out of the inbox (and read) until then, when it comes back unread; "
                                   "null when not snoozed")


class NotificationPageSerializer(serializers.Serializer):
    results = NotificationSerializer(many=True)
    next = serializers.URLField(allow_null=True, help_text="the next (older) page, null at the end")
    unread = serializers.IntegerField()
    cursor = serializers.IntegerField(help_text="the user's stream position: start a realtime poll from it")


class UnreadCountSerializer(serializers.Serializer):
    unread = serializers.IntegerField()
    cursor = serializers.IntegerField()


class ReadAllInput(StrictSerializer):
    kind = serializers.ChoiceField(choices=Kind.values, required=False, allow_blank=True)
    q = serializers.CharField(required=False, allow_blank=True, max_length=200)
    target = serializers.RegexField(TARGET_PATTERN, required=False, allow_blank=True,
                                    help_text="graph:<id>, layout:<id> or group:<id>")
    group = serializers.RegexField(GROUP_PATTERN, required=False, allow_blank=True,
                                   help_text="a group_key: mark that group read")


class MatchingInput(ReadAllInput):
    state = serializers.ChoiceField(choices=STATES, required=False, allow_blank=True,
                                    help_text="as the list's: all by default, the inbox (done ones left out)")


BULK_ACTIONS = ("read", "unread", "done", "save", "unsave", "mute")


class BulkInput(StrictSerializer):
    ids = serializers.ListField(
        child=id_field(), min_length=1, required=False,
        max_length=actions.BULK_IDS_MAX,
        help_text=f"my notifications' ids, 1 to {actions.BULK_IDS_MAX}; any id not mine: 404, nothing changed")
    matching = MatchingInput(
        required=False,
        help_text=f"instead of ids: every notification of mine matching this filter, as the list takes it "
                  f"(the newest {actions.BULK_MATCHING_MAX:,} not so already at a time: see left)")
    action = serializers.ChoiceField(
        choices=BULK_ACTIONS,
        help_text="mute: mute every group of mine the notifications come from (the notifications stay as they are)")

    def validate(self, data):
        if ("ids" in data) == ("matching" in data):
            raise serializers.ValidationError({"ids": ["give ids or matching, one of them"]})
        return data


class SnoozeInput(StrictSerializer):
    until = serializers.ChoiceField(
        choices=[choice for choice in PRESETS if choice != "at"], required=False,
        help_text="in an hour; this evening (18:00); tomorrow morning (8:00); next week (Monday, 8:00), "
                  "read in zone. Give until or at.")
    at = serializers.CharField(
        required=False, max_length=40,
        help_text="a date and time: a wall time read in zone (2026-12-08T09:30), or a moment with its offset "
                  "(2026-12-08T09:30:00+01:00); in the future, within a year")
    zone = serializers.CharField(
        required=False, max_length=64,
        help_text="an IANA time zone (Europe/Paris); my saved one by default, else the server's")

    def validate(self, data):
        if ("until" in data) == ("at" in data):
            raise serializers.ValidationError({"until": ["give one of until and at"]})
        return data


class BulkSerializer(UnreadCountSerializer):
    changed = serializers.IntegerField(
        help_text="how many changed (those already so do not count); mute: how many groups it muted")
    left = serializers.IntegerField(
        required=False, help_text="with matching: how many more match and were left for the next request")
    muted = serializers.ListField(child=serializers.IntegerField(), required=False,
                                  help_text="mute: the groups it muted (unmute them to undo)")
    already_muted = serializers.ListField(child=serializers.IntegerField(), required=False,
                                          help_text="mute: the groups muted before")
    without_group = serializers.IntegerField(required=False,
                                             help_text="mute: how many of the notifications belong to no group")
    left_group = serializers.IntegerField(
        required=False, help_text="mute: how many come from a group I am no longer in (not muted)")


class ReadAllSerializer(UnreadCountSerializer):
    marked = serializers.IntegerField(help_text="how many were marked read")


FILTER_PARAMETERS = [
    OpenApiParameter("kind", str, enum=Kind.values, description="only this kind"),
    OpenApiParameter("q", {"type": "string", "maxLength": 200},
                     description="words the notification contains (each as a word or its start)"),
    OpenApiParameter("target", str, pattern=TARGET_PATTERN,
                     description="graph:<id> (the graph and its layouts), layout:<id> or group:<id>"),
    OpenApiParameter("group", str, pattern=GROUP_PATTERN, description="one group: a notification's group_key"),
]
LIST_PARAMETERS = [
    OpenApiParameter("state", str, enum=list(STATES),
                     description="all, unread or read: the inbox (done and snoozed ones left out); done: the "
                                 "done ones; snoozed: the snoozed ones; saved: the saved ones; all by default"),
    *FILTER_PARAMETERS,
    OpenApiParameter("before", {"type": "integer", "minimum": 1, "maximum": BIGINT_MAX},
                     description="the page after this id (take it from next)"),
    OpenApiParameter("limit", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
                     description=f"page size, {PAGE_SIZE} by default"),
]


class NotificationList(APIView):
    @extend_schema(parameters=LIST_PARAMETERS, responses=NotificationPageSerializer,
                   summary="My notifications, newest first, filtered and paged by id")
    def get(self, request):
        flt = NotificationFilter.from_params(request.query_params)
        before, limit = parse_paging(request.query_params)
        page = page_of(request.user, flt, before=before, limit=limit)
        cursor, unread = stream.current(request.user.pk)
        return Response({
            "results": [notification.as_event_payload() for notification in page.notifications],
            "next": self._next_url(request, flt, page.next_before),
            "unread": unread,
            "cursor": cursor,
        })

    @staticmethod
    def _next_url(request, flt: NotificationFilter, next_before: int | None) -> str | None:
        if next_before is None:
            return None
        params = {**flt.as_params(), "before": next_before}
        if request.query_params.get("limit"):
            params["limit"] = request.query_params["limit"]
        return request.build_absolute_uri(f"{request.path}?{urlencode(params)}")


class UnreadCount(APIView):
    @extend_schema(responses=UnreadCountSerializer, summary="My unread count, and the cursor to poll from")
    def get(self, request):
        cursor, unread = stream.current(request.user.pk)
        return Response({"unread": unread, "cursor": cursor})


class MarkRead(APIView):
    change = staticmethod(actions.mark_read)

    @extend_schema(request=None, responses={200: NotificationSerializer}, summary="Mark one notification read")
    def post(self, request, pk: int):
        return Response(self.change(request.user, pk).as_event_payload())


class MarkUnread(MarkRead):
    change = staticmethod(actions.mark_unread)

    @extend_schema(request=None, responses={200: NotificationSerializer}, summary="Mark one notification unread")
    def post(self, request, pk: int):
        return super().post(request, pk)


class Bulk(APIView):
    changes = {"read": staticmethod(actions.mark_read_many), "unread": staticmethod(actions.mark_unread_many),
               "done": staticmethod(actions.mark_done_many), "save": staticmethod(actions.save_many),
               "unsave": staticmethod(actions.unsave_many), "mute": staticmethod(group_actions.mute_groups_of)}

    # 404 although its path names no id: an id in the body that is not mine.
    @extend_schema(request=BulkInput, responses={200: BulkSerializer, 404: ErrorSerializer},
                   summary="Mark read, unread or done, save, unsave, or mute the groups of several notifications "
                           "at once (the ids, all or none, or those matching a filter)")
    def post(self, request):
        data = parse(BulkInput, request)
        matching = NotificationFilter.from_params(data["matching"]) if "matching" in data else None
        try:
            result = self.changes[data["action"]](request.user, data.get("ids"), matching=matching)
        except actions.BulkRefused as error:
            raise serializers.ValidationError({"ids": [str(error)]}) from None
        cursor, unread = stream.current(request.user.pk)
        if data["action"] == "mute":
            answer = {"changed": len(result.muted), "muted": result.muted, "already_muted": result.already,
                      "without_group": result.without_group, "left_group": result.left_group}
        else:
            answer = {"changed": len(result.ids), **({"left": result.left} if matching is not None else {})}
        return Response({**answer, "unread": unread, "cursor": cursor})


class MarkDone(MarkRead):
    change = staticmethod(actions.mark_done)

    @extend_schema(request=None, responses={200: NotificationSerializer},
                   summary="Mark one notification done: out of the inbox, and read")
    def post(self, request, pk: int):
        return super().post(request, pk)


class MarkUndone(MarkRead):
    change = staticmethod(actions.move_to_inbox)

    @extend_schema(request=None, responses={200: NotificationSerializer},
                   summary="Move a done notification back to the inbox (it stays read)")
    def post(self, request, pk: int):
        return super().post(request, pk)


class Save(MarkRead):
    change = staticmethod(actions.save)

    @extend_schema(request=None, responses={200: NotificationSerializer},
                   summary="Save (star) one notification: listed with state=saved, never deleted")
    def post(self, request, pk: int):
        return super().post(request, pk)


class Unsave(MarkRead):
    change = staticmethod(actions.unsave)

    @extend_schema(request=None, responses={200: NotificationSerializer}, summary="Unsave one notification")
    def post(self, request, pk: int):
        return super().post(request, pk)


class Snooze(APIView):
    @extend_schema(request=SnoozeInput, responses={200: NotificationSerializer, 400: ErrorSerializer},
                   summary="Snooze one notification: out of the inbox (and read) until a moment, then back unread")
    def post(self, request, pk: int):
        data = parse(SnoozeInput, request)
        try:
            zone = zone_of(request.user, data.get("zone", ""))
            until = snooze_end(data.get("until", "at"), zone=zone, now=timezone.now(), at=data.get("at", ""))
            notification = actions.snooze(request.user, until, notification_id=pk)[0]
        except (BadSnooze, UnknownZone) as error:
            raise serializers.ValidationError({error.field: [str(error)]}) from None
        except actions.SnoozeRefused as error:
            raise serializers.ValidationError({"at": [str(error)]}) from None
        return Response(notification.as_event_payload())


class Wake(APIView):
    @extend_schema(request=None, responses={200: NotificationSerializer},
                   summary="Wake a snoozed notification now: back in the inbox, unread")
    def post(self, request, pk: int):
        Notification.objects.only("pk").get(pk=pk, user=request.user)  # someone else's: 404, like a missing one
        actions.wake(request.user, [pk])
        return Response(Notification.objects.select_related("notice").get(pk=pk).as_event_payload())


class MarkAllRead(APIView):
    @extend_schema(request=ReadAllInput, responses={200: ReadAllSerializer},
                   summary="Mark read every unread notification, or those matching kind, q, target and group")
    def post(self, request):
        flt = NotificationFilter.from_params(parse(ReadAllInput, request))
        marked = actions.mark_all_read(request.user, None if flt.is_empty else flt)
        cursor, unread = stream.current(request.user.pk)
        return Response({"marked": marked, "unread": unread, "cursor": cursor})
