"""Beat's sweeps are logged only when they did something (tasks/quiet_logs.py), with the records Celery makes."""

import logging

import pytest

from tasks.quiet_logs import QuietSweeps

RELAY = "tasks.outbox.relay_outbox"


def record(name: str, message: str, args, level=logging.INFO) -> logging.LogRecord:
    # (as Logger.info(message, args) makes it: a lone dict argument is the record's args)
    return logging.LogRecord(name, level, __file__, 1, message, (args,) if isinstance(args, dict) else args, None)


def received(task: str) -> logging.LogRecord:
    return record("celery.worker.strategy", "Task %(name)s[%(id)s] received", {"id": "1", "name": task})


def succeeded(task: str, value: str) -> logging.LogRecord:
    return record("celery.app.trace", "Task %(name)s[%(id)s] succeeded in %(runtime)ss: %(return_value)s",
                  {"id": "1", "name": task, "return_value": value, "runtime": 0.01, "args": "()", "kwargs": "{}"})


def sent_by_beat(entry: str, task: str) -> logging.LogRecord:
    return record("celery.beat", "Scheduler: Sending due task %s (%s)", (entry, task))


@pytest.mark.parametrize("line", [
    sent_by_beat("relay-outbox", RELAY),
    sent_by_beat("wake-snoozed", "tasks.inbox.wake_snoozed"),
    received("tasks.outbox.redeliver_outbox"),
    succeeded(RELAY, "0"),
    succeeded("tasks.inbox.wake_snoozed", "None"),
    sent_by_beat("send-digests", "tasks.digest.send_digests"),  # the digest check, every minute
    succeeded("tasks.digest.send_digests", "0"),  # no one's slot had come
])
def test_a_sweep_that_did_nothing_says_nothing(line):
    assert line.getMessage()  # (a record Celery could have printed)
    assert QuietSweeps().filter(line) is False


@pytest.mark.parametrize("line", [
    succeeded(RELAY, "3"),  # it sent three events Kafka had not taken
    succeeded("tasks.inbox.wake_snoozed", "12"),
    record("celery.app.trace", "Task %(name)s[%(id)s] raised unexpected: %(exc)s",
           {"id": "1", "name": RELAY, "exc": "KafkaError"}, level=logging.ERROR),
    received("tasks.notifications.deliver_events"),
    succeeded("tasks.digest.send_digests", "2"),  # it queued two chunks of users whose slot had come
    record("tasks.outbox", "relay: Kafka is back", ()),
])
def test_what_did_something_failures_and_every_other_task_are_still_said(line):
    assert QuietSweeps().filter(line) is True
