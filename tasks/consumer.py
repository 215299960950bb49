"""The Kafka consumer: ``python -m tasks.consumer``.

Reads the three notification topics in one consumer group and hands the
events to Celery, a poll's worth in batches (one task, one transaction
each). Offsets are committed only after every record of a poll was handed
on (or dead-lettered), so a crash re-reads rather than loses; the delivery
task is idempotent. A record that is not a valid event goes to the
dead-letter topic with the reason in its headers, and the consumer carries on.

The process never exits because Kafka failed: a broker error closes the
consumer, and a new one is made once Kafka answers again (backing off, saying
what it waits for). A topic that came back as a new log (Tansu keeps only
memory) is noticed by its new id and read again from its start. Whatever
Kafka lost outright, the outbox sends again (web/outbox/relay.py).
"""

import contextlib
import logging
import signal
import threading
import time

from kafka.errors import KafkaError
from kafka.structs import OffsetAndMetadata

log = logging.getLogger("tasks.consumer")

# Waiting between attempts to hand an event to a Celery broker that is down:
# grows to this cap, and the record is never skipped. Short, because the
# attempt that works is what notices Redis is back (web/outbox/healing.py).
HANDOFF_RETRY_MAX_SECONDS = 4.0
POLL_TIMEOUT_MS = 500
# Waiting for Kafka to answer again after it failed under the consumer:
# quick at first (a broker restart takes seconds), never slower than this,
# so that Kafka's return is noticed within seconds.
RECONNECT_MAX_SECONDS = 3.0
# Records asked of Kafka per poll; they are handed on in batches of up to
# BATCH_RECIPIENTS recipients (web/notifications/events.py), each stored in
# one transaction (web.notifications.delivery.deliver_many).
MAX_RECORDS_PER_POLL = 1000
# How often an idle consumer looks whether a topic it reads was created anew
# (in metadata it already has: no request).
TOPIC_CHECK_EVERY_SECONDS = 1.0


class TopicIncarnations:
    """Which log of each topic we read (its Kafka topic id), and which partitions must start again at 0."""

    def __init__(self):
        self._ids: dict[str, object] = {}
        self._to_start: set[tuple[str, int]] = set()
        self._new_topics: set[str] = set()

    def is_new(self, topic: str, topic_id) -> bool:
        """Record ``topic_id`` as the topic's; True when it replaces another (the topic was made anew)."""
        known = self._ids.setdefault(topic, topic_id)
        if known == topic_id:
            return False
        self._ids[topic] = topic_id
        self._new_topics.add(topic)
        return True

    def needs_start(self, partition) -> bool:
        if partition.topic in self._new_topics:
            # Every partition of the new log, as we come to be assigned it.
            self._to_start.add((partition.topic, partition.partition))
        return (partition.topic, partition.partition) in self._to_start

    def started(self, partitions) -> None:
        for partition in partitions:
            self._to_start.discard((partition.topic, partition.partition))
        self._new_topics -= {partition.topic for partition in partitions}


class EventConsumer:
    def __init__(self, *, consumer, hand_off, dead_letter, topic_kinds: dict[str, str], stop: threading.Event,
                 topics: "TopicIncarnations | None" = None, part_returned=lambda part: None):
        self._consumer = consumer
        # Kept across reconnections by the caller: a new consumer must still read a new log from its start.
        self._topics = topics if topics is not None else TopicIncarnations()
        self._hand_off = hand_off
        self._dead_letter = dead_letter
        self._topic_kinds = topic_kinds
        self._stop = stop
        # Told when a part that failed under us is back (web/outbox/healing.py).
        self._part_returned = part_returned

    def run(self) -> None:
        """Consume until stopped; a Kafka error is raised to the caller, who reconnects."""
        delay = 0.5
        next_topic_check = 0.0
        while not self._stop.is_set():
            batch = self._consumer.poll(timeout_ms=POLL_TIMEOUT_MS, max_records=MAX_RECORDS_PER_POLL)
            if not batch:
                if time.monotonic() >= next_topic_check:
                    self._reread_recreated_topics()
                    next_topic_check = time.monotonic() + TOPIC_CHECK_EVERY_SECONDS
                continue
            done = {}
            try:
                self._handle_all(batch, done)
            except Exception:
                # Rewind every partition to its first unhandled record, keep
                # what was handled, and try again: nothing is skipped.
                log.warning("handling a record failed; retrying in %.1fs", delay, exc_info=True)
                for partition, records in batch.items():
                    handled = done.get(partition)
                    self._consumer.seek(partition, handled.offset if handled else records[0].offset)
                if done:
                    self._consumer.commit(done)
                self._stop.wait(delay)
                delay = min(delay * 2, HANDOFF_RETRY_MAX_SECONDS)
                continue
            delay = 0.5
            self._consumer.commit(done)

    def _handle_all(self, batch: dict, done: dict) -> None:
        """Hand on a poll's events in batches of up to BATCH_RECIPIENTS recipients, in record order.

        ``done`` gets each partition's next offset as its records are handed
        on (or dead-lettered), so a failure part-way rewinds only what was not.
        """
        from web.notifications.events import in_batches

        pending = []  # [(partition, record, event)]

        def flush():
            for handed in in_batches(pending, lambda item: len(item[2].recipients)):
                self._hand_off_with_retry([event for _, _, event in handed])
                for partition, record, _ in handed:
                    done[partition] = OffsetAndMetadata(record.offset + 1, None, -1)
            pending.clear()

        for partition, records in batch.items():
            for record in records:
                event = self._parse(record)
                if event is None:
                    # Everything before it is handed on first, so its offset
                    # is only marked done with everything before it.
                    flush()
                    done[partition] = OffsetAndMetadata(record.offset + 1, None, -1)
                    continue
                pending.append((partition, record, event))
        flush()

    def _reread_recreated_topics(self) -> None:
        """Read again from its start every partition of a topic that was created anew.

        A broker restarted empty (the development broker keeps only memory)
        or a topic deleted and made again starts its log at offset 0, while
        our position, and the offset the group committed, point far along the
        old one: records written anew would be skipped until the log grew past
        it. Kafka gives each incarnation of a topic its own id, so a new id is
        a new log. (Neither the log's end offsets nor fetch high watermarks
        tell it reliably: the development broker's lag behind the log.)
        """
        # kafka-python keeps the ids from metadata answers in its cluster view, with no public accessor.
        cluster = self._consumer._client.cluster
        assigned = self._consumer.assignment()
        for partition in assigned:
            topic_id = cluster.topic_id(partition.topic)
            if topic_id is not None and self._topics.is_new(partition.topic, topic_id):
                log.warning("%s was created anew (a broker that lost it, or an operator): reading it again "
                            "from its start", partition.topic)
        restart = {p: OffsetAndMetadata(0, None, -1) for p in assigned if self._topics.needs_start(p)}
        if not restart:
            return
        # What the old log held and we had not read is gone with it.
        self._part_returned("Kafka (a topic came back as a new log)")
        for partition in restart:
            self._consumer.seek(partition, 0)
        # Committed too, and only then done with: the group may hold our offset in the old log (a
        # commit retried into the new broker), which the next assignment would restore.
        self._consumer.commit(restart)
        self._topics.started(restart)

    def _parse(self, record):
        """The record's event; None when it is not one (it went to the dead-letter topic)."""
        from web.notifications.events import InvalidEvent, NotificationEvent

        try:
            event = NotificationEvent.from_json(record.value)
            expected = self._topic_kinds.get(record.topic)
            if event.kind != expected:
                raise InvalidEvent(f"a {event.kind!r} event on the {expected!r} topic")
        except InvalidEvent as exc:
            self._send_to_dead_letter(record, str(exc))
            return None
        return event

    def _hand_off_with_retry(self, events: list) -> None:
        delay = 0.5
        failed = False
        while True:
            try:
                self._hand_off(events)
                if failed:
                    # Tasks queued before it failed may be lost with it.
                    self._part_returned("Celery's broker (Redis)")
                return
            except Exception:
                failed = True
                if self._stop.is_set():
                    # Not committed: the next consumer to own this partition re-reads it.
                    raise
                log.warning("could not hand %d events (the first %s) to Celery; retrying in %.1fs", len(events),
                            events[0].id, delay, exc_info=True)
                self._stop.wait(delay)
                delay = min(delay * 2, HANDOFF_RETRY_MAX_SECONDS)

    def _send_to_dead_letter(self, record, reason: str) -> None:
        log.warning("dead-lettering %s[%d]@%d: %s", record.topic, record.partition, record.offset, reason)
        headers = list(record.headers or []) + [
            ("beacon-error", reason.encode()),
            ("beacon-source-topic", record.topic.encode()),
            ("beacon-source-partition", str(record.partition).encode()),
            ("beacon-source-offset", str(record.offset).encode()),
        ]
        self._dead_letter(record.key, record.value, headers)


def main() -> None:
    """Consume until SIGTERM or SIGINT, handing each batch of events to a ``deliver_events`` task."""
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings.dev")
    import django

    django.setup()

    from django.conf import settings

    from tasks import kafka_clients as kafka
    from tasks.notifications import deliver_events
    from tasks.outbox import heal_after_outage
    from web.kinds import KINDS
    from web.notifications.events import dead_letter_topic, topic_for

    def hand_off(events):
        deliver_events.delay([event.to_dict() for event in events])

    def part_returned(part):
        try:
            heal_after_outage.delay(part)
        except Exception:
            log.warning("could not tell the outbox %s is back; its events are checked at their usual time", part,
                        exc_info=True)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())

    topic_kinds = {topic_for(kind): kind for kind in KINDS}
    dead_letters = dead_letter_topic()
    where = ", ".join(settings.KAFKA_BOOTSTRAP_SERVERS)
    delay = 1.0
    topics = TopicIncarnations()
    kafka_failed = False
    try:
        while not stop.is_set():
            consumer = None
            try:
                kafka.ensure_topics([*topic_kinds, dead_letters])
                if kafka_failed:
                    # What Kafka took and we had not read may be lost (a broker restarted empty).
                    part_returned("Kafka")
                    kafka_failed = False
                consumer = kafka.new_consumer(list(topic_kinds))
                log.info("consuming %s as group %s", ", ".join(topic_kinds), settings.KAFKA_CONSUMER_GROUP)
                delay = 1.0
                EventConsumer(
                    consumer=consumer,
                    hand_off=hand_off,
                    dead_letter=lambda key, value, headers: kafka.send_raw(dead_letters, key, value, headers),
                    topic_kinds=topic_kinds,
                    stop=stop,
                    topics=topics,
                    part_returned=part_returned,
                ).run()
            except KafkaError as exc:
                if stop.is_set():
                    break
                kafka_failed = True
                log.warning("waiting for Kafka at %s (%s: %s); connecting again in %.0f s", where,
                            type(exc).__name__, exc, delay)
                stop.wait(delay)
                delay = min(delay * 2, RECONNECT_MAX_SECONDS)
            finally:
                if consumer is not None:
                    # Nothing uncommitted is lost by closing: the next consumer re-reads it.
                    with contextlib.suppress(Exception):
                        consumer.close(autocommit=False)
    finally:
        kafka.discard_producer()


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    main()
