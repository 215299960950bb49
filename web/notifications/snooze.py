"""When a snooze ends: the moment a user's choice names, read in their time zone.

The choices are the ones mail and chat clients offer: in an hour, this
evening, tomorrow morning, next week, or a date and time. "This evening" is
18:00 where the user is, "tomorrow morning" and "next week" (the coming
Monday) 08:00 there, whatever the server's zone, and across a change of the
clocks: the wall time is kept, not the number of hours.

Pure logic: no database, no Django, so every rule is tested on its own.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

UTC = timezone.utc  # (datetime.UTC is 3.11's; Beacon runs on 3.10)

EVENING = time(18)
MORNING = time(8)
# Further than this is a reminder, not a snooze: refused, so that a typo's year 2206 is not kept for ever.
LONGEST = timedelta(days=366)


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


CHOICES = (
    Choice("hour", "In an hour"),
    Choice("evening", "This evening (18:00)"),
    Choice("morning", "Tomorrow morning (8:00)"),
    Choice("week", "Next week (Monday, 8:00)"),
    Choice("at", "At a date and time"),
)
PRESETS = tuple(choice.value for choice in CHOICES)


class BadSnooze(ValueError):
    """A snooze that cannot be: the message says why, in words for the person who chose it."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def snooze_end(choice: str, *, zone: ZoneInfo, now: datetime, at: str = "") -> datetime:
    """When a snooze chosen at ``now`` ends, in UTC. ``at`` (for the choice "at") is a wall time in
    ``zone`` ("2026-12-08T09:30"), or a moment with its offset ("2026-12-08T09:30:00+01:00")."""
    local = now.astimezone(zone)
    if choice == "hour":
        end = now + timedelta(hours=1)
    elif choice == "evening":
        end = _wall(local.date(), EVENING, zone)
        if end <= now:
            raise BadSnooze("until", "This evening has begun where you are; choose another time.")
    elif choice == "morning":
        end = _wall(local.date() + timedelta(days=1), MORNING, zone)
    elif choice == "week":
        end = _wall(local.date() + timedelta(days=7 - local.weekday()), MORNING, zone)
    elif choice == "at":
        end = _moment(at, zone)
        if end <= now:
            raise BadSnooze("at", "That time has passed; choose one in the future.")
    else:
        raise BadSnooze("until", f"Choose when the snooze ends: one of {', '.join(PRESETS)}.")
    if end - now > LONGEST:
        raise BadSnooze("at", "A snooze ends within a year; choose an earlier time.")
    return end.astimezone(UTC)


def _wall(day: date, clock: time, zone: ZoneInfo) -> datetime:
    """``clock`` on ``day`` where ``zone`` is; a time the clocks skip that day is the moment they land on."""
    return datetime.combine(day, clock, tzinfo=zone).astimezone(UTC).astimezone(zone)


def _moment(raw: str, zone: ZoneInfo) -> datetime:
    raw = (raw or "").strip()
    try:
        moment = datetime.fromisoformat(raw) if raw and len(raw) <= 40 else None
    except ValueError:
        moment = None
    if moment is None:
        raise BadSnooze("at", "Give the date and time as YYYY-MM-DDTHH:MM.")
    if moment.tzinfo is not None:
        return moment
    placed = moment.replace(tzinfo=zone)
    if placed.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != moment:
        raise BadSnooze("at", f"{moment:%H:%M} does not happen on {moment:%Y-%m-%d} in {zone.key}: the clocks "
                              "go forward then. Choose another time.")
    # A time that happens twice (the clocks go back) is the first of the two (fold 0).
    return placed


def in_words(moment: datetime, zone: ZoneInfo) -> str:
    """A snooze's end as the page says it: "Tue 8 Dec, 08:00 (Europe/Paris)"."""
    local = moment.astimezone(zone)
    return f"{local:%a} {local.day} {local:%b}, {local:%H:%M} ({zone.key})"
