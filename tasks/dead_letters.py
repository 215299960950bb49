"""Reading the dead-letter topic, and sending a dead letter back to be consumed again.

The consumer (tasks/consumer.py) puts a record it cannot deliver on the
dead-letter topic with the reason and where it came from in its headers.
Reading here joins no consumer group and commits nothing: listing dead
letters moves no one's offsets, and the consumer never reads this topic.

A replay sends the record's key and value (or a value fixed by hand) to its
source topic as a new record, which the consumer validates like any other:
delivered if it is good now, dead-lettered again if not. Delivery is
idempotent, so replaying a record twice tells nobody twice.

``manage.py dead_letters`` (tasks/management/commands/dead_letters.py) is the
operator's way in.
"""

import re
import time
from dataclasses import dataclass
from datetime import datetime, timezone

from django.conf import settings
from kafka import KafkaConsumer, TopicPartition

from tasks.kafka_clients import send_raw
from web.kinds import KINDS
from web.notifications.events import InvalidEvent, NotificationEvent, dead_letter_topic, topic_for

# Reading up to the end offsets takes well under a second for thousands of
# records; past this the broker is not answering.
READ_DEADLINE_SECONDS = 30.0
REPLAY_HEADER = "beacon-replay-of"


class DeadLetterError(Exception):
    """What an operator asked for cannot be done; the message says why."""


@dataclass(frozen=True)
class DeadLetter:
    partition: int  # where it sits in the dead-letter topic
    offset: int
    timestamp: datetime
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...]

    def header(self, name: str) -> str | None:
        # The last one: a record dead-lettered twice carries both reasons, the newest last.
        values = [value for key, value in self.headers if key == name]
        return values[-1].decode(errors="replace") if values else None

    @property
    def reason(self) -> str:
        return self.header("beacon-error") or "(no reason recorded)"

    @property
    def source(self) -> tuple[str, int, int] | None:
        """(topic, partition, offset) of the record that failed, or None if the headers do not say."""
        try:
            return (self.header("beacon-source-topic"), int(self.header("beacon-source-partition")),
                    int(self.header("beacon-source-offset")))
        except (TypeError, ValueError):
            return None

    @property
    def selector(self) -> str | None:
        """How an operator names it to replay it: <source topic>:<partition>:<offset>."""
        return ":".join(map(str, self.source)) if self.source and self.source[0] else None


def read_all(*, deadline_seconds: float = READ_DEADLINE_SECONDS) -> list[DeadLetter]:
    """Every record in the dead-letter topic, from the beginning up to its end when called, oldest first."""
    topic = dead_letter_topic()
    consumer = KafkaConsumer(
        bootstrap_servers=settings.KAFKA_BOOTSTRAP_SERVERS,
        group_id=None,  # no group: nothing committed, nobody's offsets moved
        enable_auto_commit=False,
        allow_auto_create_topics=False,
        client_id="beacon-dead-letters",
    )
    try:
        partitions = consumer.partitions_for_topic(topic)
        if not partitions:
            return []  # the topic does not exist yet: nothing was ever dead-lettered
        assigned = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(assigned)
        consumer.seek_to_beginning(*assigned)
        ends = consumer.end_offsets(assigned)
        letters = []
        give_up = time.monotonic() + deadline_seconds
        while any(consumer.position(tp) < ends[tp] for tp in assigned):
            if time.monotonic() > give_up:
                raise DeadLetterError(f"{topic} was not read to its end within {deadline_seconds:.0f}s")
            for tp, records in consumer.poll(timeout_ms=500).items():
                # Records that arrived after we looked at the end wait for the next listing.
                letters.extend(_letter(r) for r in records if r.offset < ends[tp])
    finally:
        consumer.close()
    return sorted(letters, key=lambda letter: (letter.timestamp, letter.partition, letter.offset))


def select(letters: list[DeadLetter], selectors: list[str]) -> list[DeadLetter]:
    """The dead letters named by ``<topic>:<partition>:<offset>`` of their source record, each once.

    A record dead-lettered more than once (the consumer re-read it after a
    crash) is one choice: its latest dead letter.
    """
    wanted = [parse_selector(s) for s in selectors]
    by_source = {letter.source: letter for letter in letters if letter.source}
    unknown = [s for s, source in zip(selectors, wanted, strict=True) if source not in by_source]
    if unknown:
        raise DeadLetterError(f"no dead letter from {', '.join(unknown)} in {dead_letter_topic()}")
    return [by_source[source] for source in dict.fromkeys(wanted)]


def parse_selector(selector: str) -> tuple[str, int, int]:
    # Kafka topic names cannot hold a colon, so the last two fields are the numbers.
    # ASCII digits only: str.isdigit() also takes "²", which int() refuses.
    match = re.fullmatch(r"(.+):([0-9]+):([0-9]+)", selector)
    if match is None:
        raise DeadLetterError(f"{selector!r} is not <source topic>:<partition>:<offset>")
    return match[1], int(match[2]), int(match[3])


def check_replayable(letter: DeadLetter, value: bytes | None = None) -> str:
    """The topic the letter would go back to; DeadLetterError if it cannot.

    A hand-fixed ``value`` is checked as the consumer will check it, so a
    typo is refused here rather than dead-lettered again.
    """
    topic = letter.source[0] if letter.source else None
    kinds = {topic_for(kind): kind for kind in KINDS}
    if topic not in kinds:
        raise DeadLetterError(f"{letter.selector or 'a dead letter'} does not come from a notification topic "
                              f"({', '.join(kinds)})")
    if value is not None:
        try:
            event = NotificationEvent.from_json(value)
        except InvalidEvent as exc:
            raise DeadLetterError(f"the fixed value is not a valid event: {exc}") from None
        if event.kind != kinds[topic]:
            raise DeadLetterError(f"the fixed value is a {event.kind!r} event; {topic} carries {kinds[topic]!r} events")
    return topic


def replay(letter: DeadLetter, value: bytes | None = None) -> str:
    """Send the letter's record (or ``value`` in place of its value) to its source topic; returns that topic."""
    topic = check_replayable(letter, value)
    # The old reason and source go: should it fail again, the consumer records them anew.
    headers = [(k, v) for k, v in letter.headers if not k.startswith("beacon-")]
    headers.append((REPLAY_HEADER, f"{dead_letter_topic()}:{letter.partition}:{letter.offset}".encode()))
    send_raw(topic, letter.key, letter.value if value is None else value, headers)
    return topic


def _letter(record) -> DeadLetter:
    return DeadLetter(
        partition=record.partition,
        offset=record.offset,
        timestamp=datetime.fromtimestamp(record.timestamp / 1000, tz=timezone.utc),
        key=record.key,
        value=record.value,
        headers=tuple(record.headers or ()),
    )
