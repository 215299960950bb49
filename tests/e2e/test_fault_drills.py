"""Nothing lost, whatever fails: each fault drill, on a small burst, against Beacon's real processes.

Each drill (tests/support/faults.py) has Bob upload graphs into a group
through the API while one part of Beacon fails, and Alice follow her
notifications with a long-poll client. Every drill must end the same way:
each of Alice's notifications stored once, counts equal to unread rows, the
long-poll client saw each once and in order, and no request answered 5xx;
and whatever the fault held up is stored within 10 s of the part's return.
The outages are shorter than the benchmark's, but the grace periods are
Beacon's own: healing must not wait for the re-send's 30 s, nor a killed
worker's tasks for the queue's 60 s. `python -m bench drills` runs the same
drills at 300 actions.
"""

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.support.faults import DRILLS, DrillSettings, DrillStack, run_drill

pytestmark = pytest.mark.stack
ROOT = Path(__file__).resolve().parents[2]

SETTINGS = DrillSettings(
    actions=30,
    actions_per_second=15,
    kafka_down_seconds=10,
    beat_down_seconds=15,
    postgres_down_seconds=5,
    broker_slow_seconds=10,
    deadline_seconds=90,
)
# README "When things fail": what an outage held up is stored within this of the part's return.
HEALED_WITHIN_SECONDS = 10


@pytest.fixture(scope="module")
def drill_stack(stack_database, django_db_blocker):
    from django.conf import settings

    parts = urlsplit(os.environ["DATABASE_URL"])
    database = urlunsplit(parts._replace(path="/" + settings.DATABASES["default"]["NAME"]))
    # Logs of this run's drills stay there for reading after a failure.
    stack = DrillStack(database, ROOT / "var" / "test-logs" / f"drills-{os.getpid()}", SETTINGS)
    stack.start()
    try:
        with django_db_blocker.unblock():
            yield stack
    finally:
        stack.stop()


@pytest.mark.parametrize("fault", list(DRILLS))
def test_nothing_is_lost_shown_twice_or_answered_5xx(drill_stack, fault):
    drill_stack.heal()
    result = run_drill(drill_stack, fault, DRILLS[fault])
    assert result.created == SETTINGS.actions, f"the API created {result.created} of {SETTINGS.actions} graphs"
    assert (result.lost, result.duplicated) == (0, 0), result
    assert result.counts_wrong == [], result
    assert (result.poller_missed, result.poller_twice, result.poller_out_of_order) == (0, 0, 0), result
    assert result.server_errors == 0, result
    assert result.seconds_to_all_stored_after_return <= HEALED_WITHIN_SECONDS, result
