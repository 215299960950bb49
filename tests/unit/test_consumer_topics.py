"""The consumer reads a topic made anew (a new Kafka topic id) from offset 0, across reconnections.

Pure logic over a stand-in for kafka-python's consumer; the real broker case
is the Kafka drills (tests/e2e/test_fault_drills.py).
"""

import threading
from types import SimpleNamespace

from kafka.structs import TopicPartition

from tasks.consumer import EventConsumer, TopicIncarnations

OWNER = TopicPartition("beacon.notifications.owner", 0)


class StandInConsumer:
    def __init__(self, ids: dict, assigned=(OWNER,)):
        self._client = SimpleNamespace(cluster=SimpleNamespace(topic_id=ids.get))
        self.assigned = set(assigned)
        self.seeks, self.commits = [], []

    def assignment(self):
        return set(self.assigned)

    def seek(self, partition, offset):
        self.seeks.append((partition, offset))

    def commit(self, offsets):
        self.commits.append({p: o.offset for p, o in offsets.items()})


def _check(consumer, topics):
    EventConsumer(consumer=consumer, hand_off=None, dead_letter=None, topic_kinds={}, stop=threading.Event(),
                  topics=topics)._reread_recreated_topics()


def test_the_same_topic_is_left_where_it_is():
    topics, ids = TopicIncarnations(), {OWNER.topic: "id-1"}
    consumer = StandInConsumer(ids)
    _check(consumer, topics)
    _check(consumer, topics)
    assert consumer.seeks == [] and consumer.commits == []


def test_a_topic_made_anew_is_read_from_offset_0_and_that_committed():
    topics, ids = TopicIncarnations(), {OWNER.topic: "id-1"}
    consumer = StandInConsumer(ids)
    _check(consumer, topics)
    ids[OWNER.topic] = "id-2"  # the broker came back empty and made it again
    _check(consumer, topics)
    assert consumer.seeks == [(OWNER, 0)]
    assert consumer.commits == [{OWNER: 0}]
    _check(consumer, topics)  # once only
    assert len(consumer.seeks) == 1


def test_a_new_consumer_after_a_reconnection_still_starts_the_new_log_at_0():
    topics, ids = TopicIncarnations(), {OWNER.topic: "id-1"}
    first = StandInConsumer(ids)
    _check(first, topics)
    ids[OWNER.topic] = "id-2"
    first.assigned = set()  # revoked while the broker was away: nothing to seek yet
    _check(first, topics)
    assert first.seeks == []
    # the consumer is made anew after a Kafka error, and assigned the partition again
    second = StandInConsumer(ids)
    _check(second, topics)
    assert second.seeks == [(OWNER, 0)] and second.commits == [{OWNER: 0}]


def test_a_failed_commit_leaves_the_partition_to_start_again_next_time():
    topics, ids = TopicIncarnations(), {OWNER.topic: "id-1"}
    consumer = StandInConsumer(ids)
    _check(consumer, topics)
    ids[OWNER.topic] = "id-2"

    def broker_away(offsets):
        raise ConnectionError("coordinator not available")

    consumer.commit = broker_away
    try:
        _check(consumer, topics)
    except ConnectionError:
        pass
    retry = StandInConsumer(ids)
    _check(retry, topics)
    assert retry.seeks == [(OWNER, 0)] and retry.commits == [{OWNER: 0}]


# What the consumer tells the outbox's healing (web/outbox/healing.py).


def test_a_topic_made_anew_is_told_as_kafka_back():
    topics, ids, told = TopicIncarnations(), {OWNER.topic: "id-1"}, []
    consumer = StandInConsumer(ids)
    checker = EventConsumer(consumer=consumer, hand_off=None, dead_letter=None, topic_kinds={},
                            stop=threading.Event(), topics=topics, part_returned=told.append)
    checker._reread_recreated_topics()
    assert told == []
    ids[OWNER.topic] = "id-2"
    checker._reread_recreated_topics()
    assert told == ["Kafka (a topic came back as a new log)"]


def test_a_hand_off_that_works_again_after_failing_is_told_as_celerys_broker_back():
    told, tries = [], []

    def hand_off(events):
        tries.append(events)
        if len(tries) < 3:
            raise ConnectionError("Redis is down")

    stop = threading.Event()
    stop.wait = lambda seconds: None  # the back-off's waits, skipped
    consumer = EventConsumer(consumer=None, hand_off=hand_off, dead_letter=None, topic_kinds={}, stop=stop,
                             part_returned=told.append)
    event = SimpleNamespace(id="event-1")
    consumer._hand_off_with_retry([event])
    assert len(tries) == 3
    assert told == ["Celery's broker (Redis)"]
    consumer._hand_off_with_retry([event])  # works the first time: nothing came back
    assert told == ["Celery's broker (Redis)"]
