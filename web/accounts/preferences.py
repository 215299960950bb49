"""Reading notification preferences for many people at once."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings

from common.time_zones import UnknownZone, zone_named
from web.accounts.models import MutedGroup, NotificationPreferences
from web.accounts.schedule import Schedule, next_digest
from web.kinds import KINDS
from web.postgres.lookups import Ids


@dataclass(frozen=True)
class Wants:
    """What one person wants to hear in the app (the defaults: everything, own actions arriving read)."""

    kinds_off: frozenset = frozenset()
    muted_groups: frozenset = frozenset()
    count_own_actions: bool = False


EVERYTHING = Wants()


def wants_of(user_ids) -> dict[int, Wants]:
    """Each user's wants, in two statements; users not in the answer want the defaults (EVERYTHING)."""
    ids = Ids(user_ids)
    muted: dict[int, set] = defaultdict(set)
    for user_id, group_id in MutedGroup.objects.filter(user_id__any=ids).values_list("user_id", "group_id"):
        muted[user_id].add(group_id)
    prefs = {p.user_id: p for p in NotificationPreferences.objects.filter(user_id__any=ids)}
    wants = {}
    for user_id in set(prefs) | set(muted):
        row = prefs.get(user_id)
        wants[user_id] = Wants(
            kinds_off=frozenset(kind for kind in KINDS if not row.in_app(kind)) if row else frozenset(),
            muted_groups=frozenset(muted.get(user_id, ())),
            count_own_actions=row.count_own_actions if row else False,
        )
    return wants


def preferences_of(user) -> NotificationPreferences:
    """The user's preferences, defaults if never saved (not written until changed)."""
    return NotificationPreferences.objects.filter(user=user).first() or NotificationPreferences(user=user)


def zone_of(user, given: str = "") -> ZoneInfo:
    """The time zone a user's times are read in: ``given`` (a form's or request's, as the browser
    says it), else the one they saved, else the server's (TIME_ZONE). A given name that is not a
    zone raises common.time_zones.UnknownZone: it is refused, not replaced."""
    if given:
        return zone_named(given)
    return _saved_or_servers(preferences_of(user).time_zone)


def _saved_or_servers(saved: str) -> ZoneInfo:
    # (a saved zone the system's tz database no longer has reads as the server's, not as an error)
    try:
        return zone_named(saved) if saved else ZoneInfo(settings.TIME_ZONE)
    except UnknownZone:
        return ZoneInfo(settings.TIME_ZONE)


def zones_of(user_ids) -> dict[int, ZoneInfo]:
    """The saved zones of these users, in one statement; those without one are not in the answer."""
    return {user_id: _saved_or_servers(name) for user_id, name in NotificationPreferences.objects
            .filter(user_id__any=Ids(user_ids)).exclude(time_zone="").values_list("user_id", "time_zone")}


def saved_zone(prefs: NotificationPreferences) -> ZoneInfo:
    """The zone of a preferences row: its own, else the server's (TIME_ZONE)."""
    return _saved_or_servers(prefs.time_zone)


def schedule_of(prefs: NotificationPreferences) -> Schedule:
    return Schedule(prefs.digest_every, prefs.digest_hour, prefs.digest_weekday)


def next_digest_after(prefs: NotificationPreferences, now: datetime) -> datetime | None:
    """The first slot of the row's digest schedule after ``now``, in UTC; None while the digest is off."""
    if not prefs.digest:
        return None
    return next_digest(schedule_of(prefs), zone=saved_zone(prefs), now=now)
