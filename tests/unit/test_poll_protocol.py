import pytest

from realtime.protocol import BadRequest, parse_poll


def test_no_cursor_asks_only_for_the_current_state():
    assert parse_poll("", hold_seconds=27.5).cursor is None


def test_the_cursor_and_the_servers_hold_are_taken():
    request = parse_poll("cursor=42", hold_seconds=27.5)
    assert (request.cursor, request.hold_seconds) == (42, 27.5)


def test_a_client_may_ask_for_a_shorter_hold_but_not_a_longer_one():
    assert parse_poll("cursor=1&timeout=2.5", hold_seconds=27.5).hold_seconds == 2.5
    assert parse_poll("cursor=1&timeout=600", hold_seconds=27.5).hold_seconds == 27.5


@pytest.mark.parametrize(
    "query",
    ["cursor=-1", "cursor=abc", "cursor=", "cursor=1.5", "cursor=1&cursor=2", "cursor=1&timeout=soon",
     "cursor=1&timeout=-3", "cursor=" + "9" * 30],
)
def test_a_malformed_poll_is_a_bad_request(query):
    with pytest.raises(BadRequest):
        parse_poll(query, hold_seconds=25)
