"""The user's notification preferences: which kinds they are told of in the app and by mail, the digest's
schedule, and their zone."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from common.time_zones import UnknownZone
from web.accounts.actions import PREFERENCE_FIELDS, update_preferences
from web.accounts.models import MutedGroup
from web.accounts.preferences import next_digest_after, preferences_of
from web.accounts.schedule import EVERY, WEEKDAYS, BadSchedule
from web.api.parsing import StrictSerializer, parse


class PreferencesSerializer(StrictSerializer):
    app_owner = serializers.BooleanField(help_text="in the app: what I do myself")
    app_group = serializers.BooleanField(help_text="in the app: what happens in my groups")
    app_watching = serializers.BooleanField(help_text="in the app: what happens to what I watch")
    mail_owner = serializers.BooleanField()
    mail_group = serializers.BooleanField()
    mail_watching = serializers.BooleanField()
    digest = serializers.BooleanField(help_text="the mailed digest at all (false: off, its schedule kept)")
    digest_every = serializers.ChoiceField(
        choices=EVERY, help_text="how often the digest comes, in my time_zone: hourly (on the hour), daily at "
                                 "digest_hour, weekly on digest_weekday at digest_hour")
    digest_hour = serializers.IntegerField(min_value=0, max_value=23,
                                           help_text="the local hour (0-23) of a daily or weekly digest")
    digest_weekday = serializers.ChoiceField(choices=WEEKDAYS, help_text="the day of a weekly digest")
    digest_next_at = serializers.DateTimeField(
        read_only=True, allow_null=True,
        help_text="when the next digest is due (UTC), mailed only if something is new then; null while off")
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
        if "digest_weekday" in changes:
            changes["digest_weekday"] = WEEKDAYS.index(changes["digest_weekday"])
        try:
            return Response(_as_dict(update_preferences(request.user, **changes)))
        except UnknownZone as error:
            raise serializers.ValidationError({"time_zone": [str(error)]}) from None
        except BadSchedule as error:
            raise serializers.ValidationError({error.field: [str(error)]}) from None


def _as_dict(prefs) -> dict:
    muted = sorted(MutedGroup.objects.filter(user_id=prefs.user_id).values_list("group_id", flat=True))
    # A row beat's check has not scheduled yet (or none at all) shows the slot that check will give it.
    next_at = prefs.digest_next_at or next_digest_after(prefs, timezone.now())  # (DRF writes it in ISO 8601)
    return {**{field: getattr(prefs, field) for field in PREFERENCE_FIELDS},
            "digest_weekday": WEEKDAYS[prefs.digest_weekday],
            "digest_next_at": next_at,
            "muted_groups": muted}
