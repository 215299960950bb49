"""``make run`` stopped by a supervisor (SIGTERM) or a closed terminal (SIGHUP) stops what it started, as
Ctrl-C does."""

import os
import signal
from pathlib import Path

import pytest

from dev import procs, state
from tests.support.waiting import wait_for

from .conftest import start_beacon_run

MARKER = "BEACON_RUN_VAR_DIR"

pytestmark = pytest.mark.filterwarnings("ignore:(open_text|read_text) is deprecated:DeprecationWarning")


def _processes_marked(var_dir: Path) -> list[int]:
    marker = f"{MARKER}={var_dir.resolve()}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker in (entry / "environ").read_bytes().split(b"\0"):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_a_stopped_run_leaves_nothing_running(cold_run, new_var_dir, sig):
    # given Beacon running on the configured PostgreSQL and Redis and a Kafka broker of the run's own
    var_dir = new_var_dir("run")
    beacon = start_beacon_run(cold_run, var_dir)
    run, output = beacon.process, beacon.output
    try:
        wait_for(lambda: any("Beacon is running at" in line for line in output), timeout=120,
                 message="the run's banner")
        kafka = state.read(var_dir / "kafka")
        assert kafka and procs.is_alive(kafka["pid"])
        assert len(_processes_marked(var_dir)) >= 5  # honcho's processes
        # when it is told to stop
        os.kill(run.pid, sig)
        # (a stop that was asked for is not a failure)
        assert run.wait(timeout=60) == 0
        # then its processes and its Kafka broker are gone, and it said so
        assert procs.wait_until(lambda: not procs.is_alive(kafka["pid"]), 10), "our Kafka broker still runs"
        assert procs.wait_until(lambda: not _processes_marked(var_dir), 10), _processes_marked(var_dir)
        text = "".join(output)
        assert f"{signal.Signals(sig).name}: stopping Beacon's processes" in text
        assert "kafka: stopped ours" in text
    finally:
        beacon.kill()
        for pid in _processes_marked(var_dir):
            os.kill(pid, signal.SIGKILL)
