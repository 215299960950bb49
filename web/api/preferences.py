"""The user's notification preferences: which kinds they are told of in the app and by mail, and their zone."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from common.time_zones import UnknownZone
from web.accounts.actions import PREFERENCE_FIELDS, update_preferences
from web.accounts.models import MutedGroup
from web.accounts.preferences import preferences_of
from web.api.parsing import StrictSerializer, parse


class PreferencesSerializer(StrictSerializer):
    app_owner = serializers.BooleanField(help_text="in the app: what I do myself")
    app_group = serializers.BooleanField(help_text="in the app: what happens in my groups")
    app_watching = serializers.BooleanField(help_text="in the app: what happens to what I watch")
    mail_owner = serializers.BooleanField()
    mail_group = serializers.BooleanField()
    mail_watching = serializers.BooleanField()
    digest = serializers.BooleanField(help_text="the mailed digest at all")
    count_own_actions = serializers.BooleanField(
        help_text="my own actions arrive unread and counted (by default they arrive read)")
    time_zone = serializers.CharField(
        allow_blank=True, max_length=64,
        help_text='my IANA time zone (Europe/Paris), in which a snooze\'s "tomorrow morning" falls; "": the server\'s')
    muted_groups = serializers.ListField(
        child=serializers.IntegerField(), read_only=True,
        help_text="groups I muted (PUT/DELETE /api/v1/groups/<id>/mute/ changes them)")


class Preferences(APIView):
    @extend_schema(responses=PreferencesSerializer, summary="My notification preferences")
    def get(self, request):
        return Response(_as_dict(preferences_of(request.user)))

    @extend_schema(request=PreferencesSerializer, responses=PreferencesSerializer,
                   summary="Change some of my notification preferences")
    def patch(self, request):
        changes = parse(PreferencesSerializer, request, partial=True)
        try:
            return Response(_as_dict(update_preferences(request.user, **changes)))
        except UnknownZone as error:
            raise serializers.ValidationError({"time_zone": [str(error)]}) from None


def _as_dict(prefs) -> dict:
    muted = sorted(MutedGroup.objects.filter(user_id=prefs.user_id).values_list("group_id", flat=True))
    return {**{field: getattr(prefs, field) for field in PREFERENCE_FIELDS}, "muted_groups": muted}
