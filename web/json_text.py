"""Reading JSON text that PostgreSQL can store: the one check for API bodies, graph uploads and layout positions.

Python's ``json`` accepts more than PostgreSQL keeps, and some inputs make it
raise what callers do not expect; each of these would be a 500 after the
fact, so each is refused here with the reason:

- NaN, Infinity and -Infinity (not JSON; jsonb refuses them), and numbers
  too large for a float (``1e400`` reads as infinity);
- the NUL character (``\\u0000``), which text and jsonb refuse;
- an unpaired surrogate (``"\\ud800"``), which is not encodable as UTF-8;
- nesting deep enough to exhaust Python's recursion (``"[" * 100000``);
- an integer of more digits than Python converts (``ValueError``, 4,300 by default).

Pure Python (no Django), so every layer uses the same rules.
"""

import json
import math


class JSONTextInvalid(ValueError):
    """JSON text that cannot be read or stored; the message says why, naming what it was."""


def loads(text: str | bytes, *, what: str) -> object:
    """``text`` decoded, and checked storable; ``what`` ("the body", "the graph") names it in messages."""
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except RecursionError:
        raise JSONTextInvalid(f"{what} is nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, too many digits, a constant
        raise JSONTextInvalid(f"{what} is not valid JSON: {exc}") from None
    check_storable(data, what=what)
    return data


def check_storable(data: object, *, what: str) -> None:
    """Refuse decoded JSON that PostgreSQL would refuse: NUL, unpaired surrogates, non-finite numbers.

    Iterative, so data nested as deeply as ``json`` could decode is walked without recursion.
    """
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            if "\x00" in item:
                raise JSONTextInvalid(f"text in {what} may not contain the NUL character (\\u0000)")
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                raise JSONTextInvalid(f"text in {what} may not contain unpaired surrogates") from None
        elif isinstance(item, float) and not math.isfinite(item):
            raise JSONTextInvalid(f"numbers in {what} must be finite (NaN and Infinity are not JSON)")


def _no_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")
