"""Time zones by their IANA names ("Europe/Paris"), as browsers and people give them."""

from functools import cache
from zoneinfo import ZoneInfo, available_timezones


class UnknownZone(ValueError):
    """A name that is not a time zone; the message says so in words for the person who gave it."""

    field = "zone"


@cache
def zone_names() -> frozenset:
    return frozenset(available_timezones())


def zone_named(name: str) -> ZoneInfo:
    """The zone of that name ("Europe/Paris", "UTC"); UnknownZone for any other name."""
    name = (name or "").strip()
    # Looked up in the list, not opened by name: ZoneInfo would read any file a name leads to.
    if name not in zone_names():
        shown = name if len(name) <= 64 else name[:64] + "…"
        raise UnknownZone(f"“{shown}” is not a time zone Beacon knows; give an IANA name such as Europe/Paris.")
    return ZoneInfo(name)
