"""The one parser of ids and cursors (common.ids): ASCII digits, within PostgreSQL's bigint, or a clear error."""

import pytest

from common.ids import BIGINT_MAX, BadId, optional_id, parse_id
from realtime.protocol import BadRequest, parse_poll, parse_stream_start


@pytest.mark.parametrize("raw, expected", [("1", 1), ("42", 42), ("007", 7), (str(BIGINT_MAX), BIGINT_MAX)])
def test_plain_digits_are_an_id(raw, expected):
    assert parse_id(raw, "before") == expected


@pytest.mark.parametrize("raw", [
    "²",            # isdigit() says yes, int() refuses
    "١٢",           # Arabic-Indic digits: int() would read 12
    "１２",          # fullwidth digits: int() would read 12
    " 12", "12 ", "+12", "-12", "1_2", "1.0", "0x1", "abc",
    str(BIGINT_MAX + 1),  # past what PostgreSQL's bigint holds
    "9" * 5000,           # past what int() converts, and refused before it tries
    "0",                  # not a positive id
])
def test_anything_else_is_refused_naming_the_parameter(raw):
    with pytest.raises(BadId) as refused:
        parse_id(raw, "before")
    assert str(refused.value) == f"before must be a positive whole number in digits 0-9, at most {BIGINT_MAX}"
    assert refused.value.name == "before"


def test_a_cursor_may_be_zero():
    assert parse_id("0", "cursor", minimum=0) == 0
    with pytest.raises(BadId, match="cursor must be a non-negative whole number"):
        parse_id("²", "cursor", minimum=0)


def test_a_missing_or_empty_parameter_is_none():
    assert optional_id(None, "before") is None
    assert optional_id("", "before") is None
    assert optional_id("5", "before") == 5


@pytest.mark.parametrize("raw", ["²", "١", str(BIGINT_MAX + 1)])
def test_the_realtime_cursor_uses_it(raw):
    # given a poll or an event stream resumed from a cursor that is not one
    # then each is a bad request (a 400), not an error escaping the parser (a 500)
    with pytest.raises(BadRequest, match="cursor must be a non-negative integer"):
        parse_poll(f"cursor={raw}", hold_seconds=25)
    with pytest.raises(BadRequest, match="Last-Event-ID must be a non-negative integer"):
        parse_stream_start("", raw)
    assert parse_poll(f"cursor={BIGINT_MAX}", hold_seconds=25).cursor == BIGINT_MAX
