"""Reading an id or a cursor from a request: the one parser every page, API view and poll uses.

Pure Python (no Django), so the realtime process reads cursors exactly as
the pages and the API read ids.

``str.isdigit()`` is the wrong test: it accepts "²", which ``int()``
refuses (a 500 where a 400 belongs), and "٣" or "３", which ``int()`` reads
as a number nobody typed as one. ``int()`` alone accepts " 7", "+7" and
"7_0". An id here is ASCII digits 0-9 and nothing else, no larger than
PostgreSQL's bigint holds, so a query can never fail on it.
"""

BIGINT_MAX = 2**63 - 1
_MOST_DIGITS = len(str(BIGINT_MAX))  # refused before int() reads a huge string


class BadId(ValueError):
    """A parameter that is not an id; the message names the parameter and says what is expected."""

    def __init__(self, name: str, expected: str):
        super().__init__(f"{name} must be {expected}")
        self.name = name
        self.expected = expected


def parse_id(raw: str, name: str, *, minimum: int = 1) -> int:
    """``raw`` as a whole number from ``minimum`` to BIGINT_MAX; else BadId naming ``name``."""
    if (isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) <= _MOST_DIGITS
            and minimum <= int(raw) <= BIGINT_MAX):
        return int(raw)
    raise BadId(name, _expected(minimum))


def optional_id(raw: str | None, name: str, *, minimum: int = 1) -> int | None:
    """As parse_id, but a missing or empty parameter is None."""
    if raw is None or raw == "":
        return None
    return parse_id(raw, name, minimum=minimum)


def _expected(minimum: int) -> str:
    if minimum == 1:
        kind = "a positive whole number"
    elif minimum == 0:
        kind = "a non-negative whole number"
    else:
        kind = f"a whole number of at least {minimum}"
    return f"{kind} in digits 0-9, at most {BIGINT_MAX}"
