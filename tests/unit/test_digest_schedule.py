"""When each user's digest is due: hourly, daily and weekly at a local hour, across both changes of the clocks.

Zones east (Europe/Paris, Australia/Sydney) and west (America/New_York) of
UTC; Sydney's clocks change in April and October, the other way round from
the north's. The changes of 2026:

    Europe/Paris      forward Sun 29 Mar 02:00→03:00 (01:00 UTC)   back Sun 25 Oct 03:00→02:00 (01:00 UTC)
    America/New_York  forward Sun  8 Mar 02:00→03:00 (07:00 UTC)   back Sun  1 Nov 02:00→01:00 (06:00 UTC)
    Australia/Sydney  forward Sun  4 Oct 02:00→03:00 (16:00 UTC)   back Sun  5 Apr 03:00→02:00 (16:00 UTC)
"""

from collections import Counter
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from web.accounts.schedule import DAILY, HOURLY, WEEKLY, BadSchedule, Schedule, in_words, next_digest

UTC = timezone.utc
PARIS, NEW_YORK, SYDNEY = ZoneInfo("Europe/Paris"), ZoneInfo("America/New_York"), ZoneInfo("Australia/Sydney")
SUNDAY = 6

# (zone, the day the clocks go forward, the day they go back)
CHANGES = [(PARIS, date(2026, 3, 29), date(2026, 10, 25)),
           (NEW_YORK, date(2026, 3, 8), date(2026, 11, 1)),
           (SYDNEY, date(2026, 10, 4), date(2026, 4, 5))]
# The hour each zone's clocks skip going forward, and the one they repeat going back.
SKIPPED = {PARIS: 2, NEW_YORK: 2, SYDNEY: 2}
REPEATED = {PARIS: 2, NEW_YORK: 1, SYDNEY: 2}


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def beat(schedule: Schedule, zone: ZoneInfo, start: datetime, days: int, *, check=timedelta(minutes=1),
         down: tuple[datetime, datetime] | None = None) -> list[datetime]:
    """What a beat checking every ``check`` from ``start`` for ``days`` serves, as the code does: a slot
    whose moment has come is served once and moved to the first slot after the check (not checking at all
    while ``down``). The moments the digests went out, in ``zone``."""
    start = start.astimezone(UTC)  # (arithmetic on a zone's times is on its wall clock)
    sent, moment = [], start
    slot = next_digest(schedule, zone=zone, now=start)
    while moment < start + timedelta(days=days):
        moment += check
        if down and down[0] <= moment < down[1]:
            continue
        if slot <= moment:
            sent.append(moment.astimezone(zone))
            slot = next_digest(schedule, zone=zone, now=moment)
    return sent


def around(day: date, zone: ZoneInfo) -> datetime:
    """Noon, local, two days before ``day``: the start of a week's run over it."""
    return datetime.combine(day - timedelta(days=2), datetime.min.time().replace(hour=12), tzinfo=zone)


@pytest.mark.parametrize("zone, forward, back", CHANGES, ids=lambda v: getattr(v, "key", str(v)))
@pytest.mark.parametrize("change", ["forward", "back"])
@pytest.mark.parametrize("hour", [0, 1, 2, 3, 8, 23])
def test_a_daily_digest_comes_once_a_day_at_its_hour_across_either_change(zone, forward, back, change, hour):
    # given a user's daily digest at ``hour``, and a beat checking every minute for the week around the change
    day = forward if change == "forward" else back
    sent = beat(Schedule(DAILY, hour), zone, around(day, zone), days=5)

    # then each local day has exactly one, at that hour, none skipped, none doubled
    days = range(-1, 4) if hour < 12 else range(-2, 3)  # (from noon two days before, for five days)
    assert Counter(moment.date() for moment in sent) == {day + timedelta(days=d): 1 for d in days}
    for moment in sent:
        if change == "forward" and moment.date() == day and hour == SKIPPED[zone]:
            # an hour the clocks skip: when they land, 03:00
            assert (moment.hour, moment.minute) == (hour + 1, 0)
        else:
            assert (moment.hour, moment.minute) == (hour, 0)


@pytest.mark.parametrize("zone, forward, back", CHANGES, ids=lambda v: getattr(v, "key", str(v)))
def test_a_daily_hour_the_clocks_skip_is_the_moment_they_land_on_and_one_they_repeat_is_the_first(
        zone, forward, back):
    skipped, repeated = Schedule(DAILY, SKIPPED[zone]), Schedule(DAILY, REPEATED[zone])
    night_before = datetime.combine(forward - timedelta(days=1), datetime.min.time().replace(hour=12), tzinfo=zone)

    landed = next_digest(skipped, zone=zone, now=night_before)
    assert landed.astimezone(zone).replace(tzinfo=None) == datetime.combine(forward, datetime.min.time()).replace(
        hour=SKIPPED[zone] + 1)
    assert (landed - timedelta(seconds=1)).astimezone(zone).hour == SKIPPED[zone] - 1

    evening_before = datetime.combine(back - timedelta(days=1), datetime.min.time().replace(hour=12), tzinfo=zone)
    first = next_digest(repeated, zone=zone, now=evening_before)
    assert (first.astimezone(zone).hour, first.astimezone(zone).fold) == (REPEATED[zone], 0)
    # Served then, or late, during the repeated hour itself: the next is the next day's, not the repeat.
    for served_at in (first, first + timedelta(minutes=90)):
        following = next_digest(repeated, zone=zone, now=served_at)
        assert following.astimezone(zone).date() == back + timedelta(days=1)
        assert following.astimezone(zone).hour == REPEATED[zone]


@pytest.mark.parametrize("zone, forward, back", CHANGES, ids=lambda v: getattr(v, "key", str(v)))
@pytest.mark.parametrize("change", ["forward", "back"])
def test_an_hourly_digest_comes_every_real_hour_on_the_local_hour_across_either_change(zone, forward, back, change):
    day = forward if change == "forward" else back
    sent = beat(Schedule(HOURLY), zone, around(day, zone), days=4)

    # a real hour apart each time, the clock on the hour, the day's count its real hours (23 or 25)
    real = [moment.astimezone(UTC) for moment in sent]  # (a difference in one zone is on its wall clock)
    assert all(later - earlier == timedelta(hours=1) for earlier, later in zip(real, real[1:], strict=False))
    assert all(moment.minute == 0 for moment in sent)
    on_that_day = [moment for moment in sent if moment.date() == day]
    assert len(on_that_day) == (23 if change == "forward" else 25)


@pytest.mark.parametrize("zone, forward, back", CHANGES, ids=lambda v: getattr(v, "key", str(v)))
@pytest.mark.parametrize("hour", [2, 8])
def test_a_weekly_digest_on_the_sunday_of_either_change_comes_once_each_week(zone, forward, back, hour):
    for day in (forward, back):
        assert day.weekday() == SUNDAY
        sent = beat(Schedule(WEEKLY, hour, SUNDAY), zone, around(day, zone) - timedelta(days=14), days=35)

        assert [moment.date() for moment in sent] == [day + timedelta(weeks=w) for w in range(-2, 3)]
        assert all(moment.hour in (hour, hour + 1) for moment in sent)
        assert [moment.hour for moment in sent if moment.date() != day] == [hour] * 4


def test_a_weekly_digest_is_on_its_day_in_the_users_zone_not_the_servers():
    # Monday 08:00 in Sydney is Sunday 21:00 UTC (summer time there)
    assert next_digest(Schedule(WEEKLY, 8, 0), zone=SYDNEY, now=utc(2026, 12, 7, 14, 30)) == utc(2026, 12, 13, 21)
    # Tuesday 08:00 in New York is 13:00 UTC
    assert next_digest(Schedule(WEEKLY, 8, 1), zone=NEW_YORK, now=utc(2026, 12, 7, 14, 30)) == utc(2026, 12, 8, 13)
    # today's hour still to come is today's
    assert next_digest(Schedule(WEEKLY, 16, 0), zone=PARIS, now=utc(2026, 12, 7, 14, 30)) == utc(2026, 12, 7, 15)


def test_a_slot_missed_while_beat_was_down_comes_once_on_its_return_and_the_next_at_its_time():
    # given a daily 08:00 in Paris and beat down from Monday 06:00 UTC to Wednesday 10:00 UTC
    start = utc(2026, 12, 6, 12)
    sent = beat(Schedule(DAILY, 8), PARIS, start, days=5, down=(utc(2026, 12, 7, 6), utc(2026, 12, 9, 10)))

    # then one digest on its return (Wednesday 11:00 Paris), none for the two slots missed, then 08:00 again
    assert [moment.strftime("%a %H:%M") for moment in sent] == ["Wed 11:00", "Thu 08:00", "Fri 08:00"]


def test_the_next_slot_is_strictly_after_now():
    at_eight = utc(2026, 12, 8, 7)  # 08:00 in Paris
    assert next_digest(Schedule(DAILY, 8), zone=PARIS, now=at_eight) == utc(2026, 12, 9, 7)
    assert next_digest(Schedule(DAILY, 8), zone=PARIS, now=at_eight - timedelta(seconds=1)) == at_eight
    assert next_digest(Schedule(HOURLY), zone=PARIS, now=at_eight) == utc(2026, 12, 8, 8)


def test_hourly_is_on_the_local_hour_in_a_zone_half_an_hour_or_three_quarters_off_utc():
    assert next_digest(Schedule(HOURLY), zone=ZoneInfo("Asia/Kolkata"), now=utc(2026, 12, 7, 14, 10)) \
        == utc(2026, 12, 7, 14, 30)
    assert next_digest(Schedule(HOURLY), zone=ZoneInfo("Asia/Kathmandu"), now=utc(2026, 12, 7, 14, 10)) \
        == utc(2026, 12, 7, 14, 15)


@pytest.mark.parametrize("schedule, field", [
    (dict(every="monthly"), "digest_every"), (dict(every=DAILY, hour=24), "digest_hour"),
    (dict(every=DAILY, hour=-1), "digest_hour"), (dict(every=WEEKLY, weekday=7), "digest_weekday"),
])
def test_a_schedule_that_cannot_be_is_refused_naming_its_field(schedule, field):
    with pytest.raises(BadSchedule) as refused:
        Schedule(**schedule)
    assert refused.value.field == field and str(refused.value).startswith("Choose ")


def test_the_next_digest_in_words_is_in_the_users_zone():
    assert in_words(utc(2026, 12, 8, 7), PARIS) == "Tue 8 Dec, 08:00 (Europe/Paris)"
    assert in_words(None, PARIS) == "Off"
