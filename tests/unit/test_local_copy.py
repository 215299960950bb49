"""The realtime process's own copy of published events: trusted only where exact."""

import json

from realtime.local import EVENTS_KEPT_PER_USER, LocalCopy


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def event(seq: int, unread: int) -> bytes:
    return json.dumps({"seq": seq, "type": "notification.created", "unread": unread}).encode()


def copy_with(*seqs, clock=None):
    copy = LocalCopy(ttl=60, clock=clock or Clock())
    for seq in seqs:
        copy.add(7, seq, seq, event(seq, seq))
    return copy


def test_the_events_after_a_cursor_come_in_order_with_the_latest_count():
    batch = copy_with(1, 2, 3).read(7, 1, limit=200)
    assert (batch.cursor, batch.unread) == (3, 3)
    assert [json.loads(e)["seq"] for e in batch.events] == [2, 3]


def test_nothing_newer_than_the_cursor_is_an_empty_answer_at_that_cursor():
    batch = copy_with(1, 2).read(7, 2, limit=200)
    assert (batch.cursor, batch.unread, batch.events) == (2, 2, ())


def test_a_gap_sends_the_read_elsewhere():
    assert copy_with(1, 3).read(7, 1, limit=200) is None  # 2 never arrived


def test_publishes_out_of_order_are_put_in_order():
    batch = copy_with(3, 2).read(7, 1, limit=200)
    assert [json.loads(e)["seq"] for e in batch.events] == [2, 3]
    assert batch.cursor == 3


def test_a_cursor_it_does_not_know_or_an_unknown_user_goes_elsewhere():
    copy = copy_with(1, 2)
    assert copy.read(7, 5, limit=200) is None
    assert copy.read(8, 0, limit=200) is None


def test_a_user_quiet_for_longer_than_the_ttl_is_read_elsewhere():
    clock = Clock()
    copy = copy_with(1, 2, clock=clock)
    clock.now += 61
    assert copy.read(7, 2, limit=200) is None
    copy.sweep()
    assert not copy.knows(7)


def test_a_partial_page_carries_the_count_of_its_last_event():
    batch = copy_with(1, 2, 3, 4).read(7, 0, limit=2)
    assert (batch.cursor, batch.unread) == (2, 2)


def test_only_the_latest_events_are_kept():
    copy = copy_with(*range(1, EVENTS_KEPT_PER_USER + 6))
    assert copy.read(7, 1, limit=200) is None  # the oldest were let go
    assert copy.read(7, 5, limit=200).cursor == EVENTS_KEPT_PER_USER + 5


def test_clearing_forgets_everything():
    copy = copy_with(1)
    copy.clear()
    assert copy.read(7, 0, limit=200) is None


def test_a_waiting_polls_read_teaches_where_an_idle_user_stands():
    # given a user the copy has never seen, read from PostgreSQL at seq 4 by a poll already waiting
    copy = LocalCopy(ttl=60, clock=Clock())
    copy.learn(7, 4, 2, copy.epoch)

    # then a re-poll at that cursor is answered here, and the next publish extends it
    assert (copy.read(7, 4, limit=200).cursor, copy.read(7, 4, limit=200).events) == (4, ())
    copy.add(7, 5, 3, event(5, 3))
    assert [json.loads(e)["seq"] for e in copy.read(7, 4, limit=200).events] == [5]


def test_what_a_read_taught_never_moves_the_copy_back():
    copy = copy_with(1, 2, 3)
    copy.learn(7, 2, 2, copy.epoch)  # a read that began before the last publish
    assert copy.read(7, 3, limit=200).cursor == 3


def test_a_read_ahead_of_the_copy_sends_the_missing_events_elsewhere():
    copy = copy_with(1, 2)
    copy.learn(7, 4, 4, copy.epoch)  # 3 and 4 committed, their publishes not here yet
    assert copy.read(7, 2, limit=200) is None
    assert copy.read(7, 4, limit=200).cursor == 4


def test_a_read_from_before_a_clear_teaches_nothing():
    # given a read that began, then the subscription was made again (publishes may have been lost)
    copy = LocalCopy(ttl=60, clock=Clock())
    epoch = copy.epoch
    copy.clear()

    # when it ends
    copy.learn(7, 4, 2, epoch)

    # then the copy does not claim to know the user
    assert not copy.knows(7)


def test_a_copy_postgresql_confirms_stays_trusted_past_the_ttl():
    # given an idle user the copy knows at seq 2, and PostgreSQL saying 2 as well, every so often
    clock = Clock()
    copy = copy_with(1, 2, clock=clock)
    for _ in range(3):
        clock.now += 40
        assert copy.confirm(7, 2, copy.epoch) is False

    # then, two minutes on, a re-poll at 2 is still answered here
    assert (copy.read(7, 2, limit=200).cursor, copy.read(7, 2, limit=200).events) == (2, ())


def test_a_copy_behind_postgresql_is_dropped_and_says_so():
    # given the copy at seq 2, and an event 3 committed whose publish never came
    copy = copy_with(1, 2)

    # when the check reads 3 from PostgreSQL
    behind = copy.confirm(7, 3, copy.epoch)

    # then the user's polls are to be woken, and their next read goes to Redis or PostgreSQL
    assert behind is True
    assert copy.read(7, 2, limit=200) is None


def test_a_check_from_before_a_clear_confirms_nothing():
    clock = Clock()
    copy = copy_with(1, 2, clock=clock)
    epoch = copy.epoch
    copy.clear()
    copy.learn(7, 2, 2, copy.epoch)
    clock.now += 61
    assert copy.confirm(7, 2, epoch) is False
    assert copy.read(7, 2, limit=200) is None  # still untrusted: the check's read began before the clear
