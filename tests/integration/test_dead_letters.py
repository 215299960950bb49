"""An operator lists what the consumer could not deliver, and sends chosen records back to be consumed again."""

import json
import threading
import uuid
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from tasks import kafka_clients
from tasks.consumer import EventConsumer
from tasks.dead_letters import read_all
from tests.support.waiting import wait_for
from web.kinds import KINDS
from web.notifications.delivery import deliver_many
from web.notifications.events import Target, all_topics, dead_letter_topic, new_event, topic_for
from web.notifications.models import Notification

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def own_topics(settings):
    """Topics and a consumer group of this test's own: the dead letters listed are this test's alone.

    One partition each, so a record's position (topic:0:offset) is known in advance.
    """
    settings.KAFKA_TOPIC_PARTITIONS = 1
    settings.KAFKA_TOPIC_PREFIX = f"{settings.KAFKA_TOPIC_PREFIX}{uuid.uuid4().hex[:6]}."
    settings.KAFKA_CONSUMER_GROUP = f"{settings.KAFKA_CONSUMER_GROUP}-{uuid.uuid4().hex[:6]}"


@pytest.fixture
def consumer():
    """Beacon's consumer, running as ``python -m tasks.consumer`` runs it, delivering into the test database."""
    kafka_clients.ensure_topics([*all_topics(), dead_letter_topic()])
    stop = threading.Event()
    dead_letters = dead_letter_topic()

    def run():
        kafka_consumer = kafka_clients.new_consumer(all_topics())
        try:
            EventConsumer(consumer=kafka_consumer, hand_off=deliver_many, topic_kinds={topic_for(k): k for k in KINDS},
                          dead_letter=lambda key, value, headers: kafka_clients.send_raw(dead_letters, key, value,
                                                                                         headers),
                          stop=stop).run()
        finally:
            kafka_consumer.close()
            connection.close()

    thread = threading.Thread(target=run, name="test-consumer")
    thread.start()
    yield
    stop.set()
    thread.join(timeout=30)


def dead_letters(*args) -> str:
    out = StringIO()
    call_command("dead_letters", *args, stdout=out)
    return out.getvalue()


def dead_lettered(count: int):
    return wait_for(lambda: len(letters := read_all()) >= count and letters, timeout=30,
                    message=f"{count} records in the dead-letter topic")


def dana_updated(dana, name="Pathways"):
    return new_event(action_id=str(uuid.uuid4()), kind="owner", verb="updated", actor=dana,
                     target=Target("graph", 99, name), recipients=[{"user": dana.pk, "reasons": [{"kind": "owner"}]}])


def test_with_nothing_dead_lettered_the_operator_is_told_so():
    assert dead_letters() == f"No dead letters in {dead_letter_topic()}.\n"


def test_a_record_the_consumer_refused_is_listed_with_its_reason_source_and_content(consumer):
    # given a record that is not JSON on the owner topic, which the consumer dead-letters
    kafka_clients.send_raw(topic_for("owner"), b"graph:7", b"{not json", [])
    dead_lettered(1)

    # when the operator lists dead letters
    output = dead_letters()

    # then they see where it came from (as they would name it to replay it), why, and what it held
    lines = output.splitlines()
    assert lines[0].startswith(f"{topic_for('owner')}:0:0  ")
    assert lines[1].startswith("  reason: value is not JSON")
    assert lines[2:4] == ["  key:    graph:7", "  value:  {not json (9 bytes)"]
    assert lines[-1].startswith(f"1 dead letters in {dead_letter_topic()}.")


def test_the_listing_shows_the_newest_first_when_limited(consumer):
    for n in range(3):
        kafka_clients.send_raw(topic_for("owner"), f"graph:{n}".encode(), b"[]", [])
    dead_lettered(3)

    output = dead_letters("--limit", "2")

    assert [line for line in output.splitlines() if line.startswith("  key:")] == ["  key:    graph:1",
                                                                                   "  key:    graph:2"]
    assert "3 dead letters" in output and "the newest 2 shown" in output


def test_a_record_fixed_by_hand_is_replayed_and_delivered(consumer, make_user, tmp_path):
    # given dana's event dead-lettered because it lost its link field on the way
    dana = make_user("dana")
    broken = dana_updated(dana).to_dict()
    del broken["link"]
    kafka_clients.send_batch([(topic_for("owner"), "graph:99", broken)])
    [letter] = dead_lettered(1)
    assert letter.reason == "missing field 'link'"

    # when the operator puts it back in a file and replays it with that value
    fixed = tmp_path / "fixed.json"
    fixed.write_text(json.dumps({**broken, "link": "/graphs/99/"}))
    output = dead_letters("--replay", f"{topic_for('owner')}:0:0", "--value-file", str(fixed))

    # then they are told it went back, and dana is told of her update
    assert f"Replayed {topic_for('owner')}:0:0: the value of {fixed} sent to {topic_for('owner')}." in output
    wait_for(lambda: Notification.objects.filter(user=dana).exists(), timeout=30, message="dana's notification")
    assert Notification.objects.get(user=dana).text == "You updated graph “Pathways”."


def test_a_record_replayed_as_it_was_is_validated_again_and_comes_back_if_still_wrong(consumer):
    # given a record dead-lettered for not being JSON
    kafka_clients.send_raw(topic_for("group"), b"graph:3", b"{not json", [("trace", b"abc")])
    dead_lettered(1)

    # when the operator replays it unchanged
    output = dead_letters("--replay", f"{topic_for('group')}:0:0")

    # then it went back to its topic, and the consumer refused it again: a second dead letter,
    # from the replayed record, with the same key and value and the original's own headers
    assert f"Replayed {topic_for('group')}:0:0: its key and value sent to {topic_for('group')}." in output
    first, second = dead_lettered(2)
    assert second.source == (topic_for("group"), 0, 1)
    assert (second.key, second.value, second.reason) == (b"graph:3", b"{not json", first.reason)
    assert second.header("trace") == "abc"
    assert second.header("beacon-replay-of") == f"{dead_letter_topic()}:0:0"


def test_a_fixed_value_still_invalid_is_refused_and_nothing_is_sent(consumer, tmp_path):
    kafka_clients.send_raw(topic_for("owner"), b"graph:7", b"{not json", [])
    dead_lettered(1)
    still_wrong = tmp_path / "fixed.json"
    still_wrong.write_text('{"v": 2}')

    with pytest.raises(CommandError, match="the fixed value is not a valid event: missing field 'id'"):
        dead_letters("--replay", f"{topic_for('owner')}:0:0", "--value-file", str(still_wrong))

    assert _end_offset(topic_for("owner")) == 1  # only the original record


def test_an_unknown_or_malformed_choice_is_refused_and_nothing_is_sent(consumer):
    kafka_clients.send_raw(topic_for("owner"), b"graph:7", b"{not json", [])
    dead_lettered(1)

    with pytest.raises(CommandError, match=f"no dead letter from {topic_for('owner')}:0:5 in "):
        dead_letters("--replay", f"{topic_for('owner')}:0:0", f"{topic_for('owner')}:0:5")
    for malformed in ("owner-0", f"{topic_for('owner')}:0:²"):
        with pytest.raises(CommandError, match=f"'{malformed}' is not <source topic>:<partition>:<offset>"):
            dead_letters("--replay", malformed)

    assert _end_offset(topic_for("owner")) == 1


def _end_offset(topic: str) -> int:
    from django.conf import settings
    from kafka import KafkaConsumer, TopicPartition

    reader = KafkaConsumer(bootstrap_servers=settings.KAFKA_BOOTSTRAP_SERVERS)
    try:
        partition = TopicPartition(topic, 0)
        return reader.end_offsets([partition])[partition]
    finally:
        reader.close()
