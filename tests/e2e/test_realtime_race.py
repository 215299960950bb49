"""An event published between a poll's backlog read and its wait still wakes it."""

import json
import subprocess
import sys

import pytest

from tests.support.stack import ROOT
from tests.support.tokens import new_key

pytestmark = [pytest.mark.stack, pytest.mark.usefixtures("live_db")]
HOLD_SECONDS = 20


def test_an_event_published_between_the_backlog_read_and_the_wait_is_not_lost(beacon, make_user):
    # given alice with an empty stream, and a poll whose backlog read is
    # followed at once, before it waits, by a delivered and published event
    alice = make_user("alice")
    key = new_key(alice)

    # when that poll runs with a long hold
    result = subprocess.run(
        [sys.executable, "-m", "tests.support.race_probe", str(alice.pk), key, str(HOLD_SECONDS)],
        cwd=ROOT, env=beacon.processes.env, capture_output=True, text=True, timeout=HOLD_SECONDS + 30,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    probe = json.loads(result.stdout.strip().splitlines()[-1])

    # then the backlog it read was empty, yet it answered with the event, woken, not at the hold's end
    assert probe["backlog_before_publish"] == []
    assert probe["status"].startswith("200")
    assert [e["notification"]["target"]["name"] for e in probe["answer"]["events"]] == ["in the gap"]
    assert probe["seconds"] < HOLD_SECONDS
