"""When a snooze ends (web.notifications.snooze): each choice in the user's zone, across both changes of the clocks,
east and west of UTC, and every moment refused with words that say why."""

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from common.time_zones import UnknownZone, zone_named
from web.notifications.snooze import BadSnooze, in_words, snooze_end

UTC = timezone.utc
PARIS, NEW_YORK, SYDNEY, TOKYO = (ZoneInfo(name) for name in
                                  ("Europe/Paris", "America/New_York", "Australia/Sydney", "Asia/Tokyo"))


def local(zone, *wall) -> datetime:
    return datetime(*wall, tzinfo=zone)


def ends(choice, zone, now, **kw) -> datetime:
    return snooze_end(choice, zone=zone, now=now, **kw)


def test_in_an_hour_is_an_hour_of_real_time_even_across_the_clocks_going_forward():
    # 01:30 in Paris on 29 March 2026: at 02:00 the clocks jump to 03:00
    now = local(PARIS, 2026, 3, 29, 1, 30)
    end = ends("hour", PARIS, now)
    assert end - now == timedelta(hours=1)
    assert end.astimezone(PARIS).hour == 3 and end.astimezone(PARIS).minute == 30


@pytest.mark.parametrize("zone", [PARIS, NEW_YORK, SYDNEY, TOKYO])
def test_this_evening_is_six_in_the_users_zone_whatever_the_servers(zone):
    now = local(zone, 2026, 12, 8, 9, 15)
    end = ends("evening", zone, now)
    assert end.tzinfo == UTC
    assert end.astimezone(zone).replace(tzinfo=None) == datetime(2026, 12, 8, 18, 0)


def test_this_evening_once_it_has_begun_is_refused_with_words():
    with pytest.raises(BadSnooze, match="This evening has begun"):
        ends("evening", PARIS, local(PARIS, 2026, 12, 8, 18, 0))


@pytest.mark.parametrize(("zone", "evening_before", "hours_between"), [
    # west of UTC: New York's clocks go forward on 8 March 2026 and back on 1 November
    (NEW_YORK, (2026, 3, 7, 21, 0), 10),  # 21:00 EST to 08:00 EDT: 10 hours, not 11
    (NEW_YORK, (2026, 10, 31, 21, 0), 12),  # 21:00 EDT to 08:00 EST: 12 hours
    # east of UTC: Paris forward on 29 March and back on 25 October; Sydney forward on 4 October, back on 5 April
    (PARIS, (2026, 3, 28, 21, 0), 10),
    (PARIS, (2026, 10, 24, 21, 0), 12),
    (SYDNEY, (2026, 10, 3, 21, 0), 10),
    (SYDNEY, (2026, 4, 4, 21, 0), 12),
])
def test_tomorrow_morning_is_eight_on_the_wall_across_both_changes_of_the_clocks(zone, evening_before, hours_between):
    now = local(zone, *evening_before)
    end = ends("morning", zone, now)
    tomorrow = now.date() + timedelta(days=1)
    assert end.astimezone(zone).replace(tzinfo=None) == datetime(tomorrow.year, tomorrow.month, tomorrow.day, 8, 0)
    assert end - now == timedelta(hours=hours_between)


@pytest.mark.parametrize(("day", "monday"), [
    ((2026, 12, 9), (2026, 12, 14)),  # a Wednesday: the coming Monday
    ((2026, 12, 13), (2026, 12, 14)),  # a Sunday: tomorrow
    ((2026, 12, 7), (2026, 12, 14)),  # a Monday: a week on, not today
])
def test_next_week_is_the_coming_monday_at_eight(day, monday):
    end = ends("week", TOKYO, local(TOKYO, *day, 7, 0))
    assert end.astimezone(TOKYO).replace(tzinfo=None) == datetime(*monday, 8, 0)


def test_next_week_across_the_clocks_going_back_is_still_eight_on_the_wall():
    end = ends("week", NEW_YORK, local(NEW_YORK, 2026, 10, 29, 12, 0))  # Thursday, EDT
    assert end.astimezone(NEW_YORK).replace(tzinfo=None) == datetime(2026, 11, 2, 8, 0)  # Monday, EST
    assert end == datetime(2026, 11, 2, 13, 0, tzinfo=UTC)


def test_a_date_and_time_is_a_wall_time_in_the_users_zone():
    end = ends("at", PARIS, local(PARIS, 2026, 12, 7, 12, 0), at="2026-12-08T09:30")
    assert end == datetime(2026, 12, 8, 8, 30, tzinfo=UTC)


def test_a_moment_with_its_offset_is_taken_as_it_is():
    end = ends("at", PARIS, local(PARIS, 2026, 12, 7, 12, 0), at="2026-12-08T09:30:00-05:00")
    assert end == datetime(2026, 12, 8, 14, 30, tzinfo=UTC)


def test_a_time_the_clocks_skip_is_refused_naming_it():
    with pytest.raises(BadSnooze, match="02:30 does not happen on 2026-03-29 in Europe/Paris"):
        ends("at", PARIS, local(PARIS, 2026, 3, 28, 12, 0), at="2026-03-29T02:30")


def test_a_time_that_happens_twice_is_the_first_of_the_two():
    end = ends("at", PARIS, local(PARIS, 2026, 10, 24, 12, 0), at="2026-10-25T02:30")
    assert end == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST, an hour before 02:30 CET


@pytest.mark.parametrize(("at", "words"), [
    ("2026-12-07T11:59", "That time has passed"),
    ("2026-12-07T12:00", "That time has passed"),
    ("2028-01-01T08:00", "within a year"),
    ("tomorrow", "YYYY-MM-DDTHH:MM"),
    ("", "YYYY-MM-DDTHH:MM"),
    ("2026-12-08T09:30" + " " * 40, "YYYY-MM-DDTHH:MM"),
])
def test_a_moment_past_too_far_or_unreadable_is_refused_with_words(at, words):
    with pytest.raises(BadSnooze, match=words) as refused:
        ends("at", PARIS, local(PARIS, 2026, 12, 7, 12, 0), at=at + ("x" if len(at) > 40 else ""))
    assert refused.value.field == "at"


def test_an_unknown_choice_names_the_choices():
    with pytest.raises(BadSnooze, match="hour, evening, morning, week, at") as refused:
        ends("later", PARIS, local(PARIS, 2026, 12, 7, 12, 0))
    assert refused.value.field == "until"


@pytest.mark.parametrize("name", ["Mars/Olympus_Mons", "../../etc/passwd", "europe/paris", "", "x" * 300])
def test_a_zone_that_is_not_one_is_refused_and_no_file_is_opened_by_its_name(name):
    with pytest.raises(UnknownZone, match="not a time zone Beacon knows"):
        zone_named(name)


def test_a_zone_by_its_iana_name():
    assert zone_named(" Europe/Paris ") == PARIS and zone_named("UTC") == ZoneInfo("UTC")


def test_the_end_in_words_is_in_the_zone_and_names_it():
    assert in_words(datetime(2026, 12, 8, 7, 0, tzinfo=UTC), PARIS) == "Tue 8 Dec, 08:00 (Europe/Paris)"
