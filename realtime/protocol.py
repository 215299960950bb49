"""Parsing a poll request: pure functions, tested without a server."""

from dataclasses import dataclass
from urllib.parse import parse_qs

from common.ids import BadId, parse_id


class BadRequest(ValueError):
    pass


@dataclass(frozen=True)
class PollRequest:
    cursor: int | None
    hold_seconds: float


def parse_poll(query_string: str, *, hold_seconds: float) -> PollRequest:
    """``hold_seconds`` is the server's hold with its jitter already drawn;
    a client's ``timeout`` may ask for less, never for more."""
    params = parse_qs(query_string, keep_blank_values=True)
    cursor = _cursor(_one(params, "cursor"), "cursor")
    timeout = _one(params, "timeout")
    if timeout is not None:
        try:
            asked = float(timeout)
        except ValueError:
            raise BadRequest("timeout must be a number of seconds") from None
        if not 0 <= asked <= 3600:
            raise BadRequest("timeout must be between 0 and 3600 seconds")
        hold_seconds = min(asked, hold_seconds)
    return PollRequest(cursor=cursor, hold_seconds=hold_seconds)


def parse_stream_start(query_string: str, last_event_id: str | None) -> int | None:
    """Where an event stream starts: the Last-Event-ID an EventSource resends on
    reconnecting, else ``?cursor=``, else now."""
    if last_event_id is not None and last_event_id.strip():
        return _cursor(last_event_id.strip(), "Last-Event-ID")
    return _cursor(_one(parse_qs(query_string, keep_blank_values=True), "cursor"), "cursor")


def _cursor(raw: str | None, name: str) -> int | None:
    if raw is None:
        return None
    # The ids' parser: "²" passes isdigit() but not int(), and must be this 400, not a 500.
    try:
        return parse_id(raw, name, minimum=0)
    except BadId:
        raise BadRequest(f"{name} must be a non-negative integer, as returned by the last answer") from None


def _one(params: dict, name: str) -> str | None:
    values = params.get(name)
    if not values:
        return None
    if len(values) > 1:
        raise BadRequest(f"{name} is given more than once")
    return values[0]
