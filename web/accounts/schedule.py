"""When a user's next email digest is due: the first slot of their schedule after a moment, in UTC.

A schedule is hourly (at the top of each hour where the user is), daily at an
hour, or weekly on a day at an hour, read as a wall time in the user's zone.
Across a change of the clocks each slot stays one a day (or a week):

- spring forward: a daily hour the clocks skip (02:00 in Paris on the last
  Sunday of March) is the moment they land on (03:00), once;
- fall back: a daily hour that happens twice (01:00 in New York on the first
  Sunday of November) is the first of the two, once. The next slot is the
  next *day's*, never the repeated hour.

Hourly is every local top of the hour, which is every real hour in a zone of
whole-hour offsets, whatever the clocks do (there is no 02:00 to skip or
double, only an hour that reads 03:00 or 02:00 again).

The next slot is always the first one strictly after ``now``: a slot missed
while beat or the workers were down is due once when they return, and the one
after it is the next to come, not the ones missed.

Pure logic: no database, no Django, so every rule is tested on its own.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

UTC = timezone.utc  # (datetime.UTC is 3.11's; Beacon runs on 3.10)

HOURLY, DAILY, WEEKLY = "hourly", "daily", "weekly"
EVERY = (HOURLY, DAILY, WEEKLY)
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")  # date.weekday()'s order
# Every zone's offset today is a whole number of quarter hours (Nepal's +05:45 the oddest).
QUARTER = timedelta(minutes=15)


class BadSchedule(ValueError):
    """A schedule that cannot be: the message says why, in words, and ``field`` which value is wrong."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Schedule:
    every: str = HOURLY
    hour: int = 8  # daily and weekly: the local hour, 0-23
    weekday: int = 0  # weekly: 0 Monday … 6 Sunday

    def __post_init__(self):
        if self.every not in EVERY:
            raise BadSchedule("digest_every", f"Choose how often the digest comes: one of {', '.join(EVERY)}.")
        if not (isinstance(self.hour, int) and 0 <= self.hour <= 23):
            raise BadSchedule("digest_hour", "Choose the digest's hour from 0 to 23.")
        if not (isinstance(self.weekday, int) and 0 <= self.weekday <= 6):
            raise BadSchedule("digest_weekday", f"Choose the digest's day: one of {', '.join(WEEKDAYS)}.")


def next_digest(schedule: Schedule, *, zone: ZoneInfo, now: datetime) -> datetime:
    """The first moment of ``schedule`` in ``zone`` strictly after ``now`` (aware), in UTC."""
    now = now.astimezone(UTC)
    if schedule.every == HOURLY:
        return _next_top_of_hour(zone, now)
    today = now.astimezone(zone).date()
    # Today's slot may be past; a week and a day ahead always holds the next weekly one.
    for days in range(9):
        day = today + timedelta(days=days)
        if schedule.every == WEEKLY and day.weekday() != schedule.weekday:
            continue
        slot = _wall(day, time(schedule.hour), zone)
        if slot > now:
            return slot
    raise AssertionError(f"no slot of {schedule} within 9 days of {now}")  # (unreachable: one a week at least)


def _next_top_of_hour(zone: ZoneInfo, now: datetime) -> datetime:
    """The first moment after ``now`` whose wall clock in ``zone`` reads HH:00."""
    moment = datetime.fromtimestamp(now.timestamp() // QUARTER.total_seconds() * QUARTER.total_seconds(), UTC)
    while True:
        moment += QUARTER
        if moment.astimezone(zone).minute == 0:
            return moment


def _wall(day: date, clock: time, zone: ZoneInfo) -> datetime:
    """``clock`` on ``day`` where ``zone`` is, in UTC: a time that happens twice is the first (fold 0), a time
    the clocks skip is the moment they land on."""
    placed = datetime.combine(day, clock, tzinfo=zone)
    landed = placed.astimezone(UTC)
    if landed.astimezone(zone).replace(tzinfo=None) != placed.replace(tzinfo=None):
        # Skipped: fold 0 reads it with the offset before the change, which lands past it by the gap;
        # the clocks jump at the moment the later offset reads the same wall time.
        landed = _change_before(landed, zone)
    return landed


def _change_before(moment: datetime, zone: ZoneInfo) -> datetime:
    """The change of the clocks at or before ``moment`` (within a day): where the offset last changed."""
    low, high = moment - timedelta(days=1), moment
    offset = high.astimezone(zone).utcoffset()
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(zone).utcoffset() == offset:
            high = middle
        else:
            low = middle
    return high.replace(microsecond=0)


def in_words(moment: datetime | None, zone: ZoneInfo) -> str:
    """The next digest as the preferences page says it: "Tue 8 Dec, 08:00 (Europe/Paris)", or "Off"."""
    if moment is None:
        return "Off"
    local = moment.astimezone(zone)
    return f"{local:%a} {local.day} {local:%b}, {local:%H:%M} ({zone.key})"
