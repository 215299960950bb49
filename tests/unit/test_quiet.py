"""bench/quiet.py: what the benchmarks call the machine's others, and how a run is judged quiet."""

import os
import subprocess
import sys
import time

from bench import quiet

BUSY = "import time\nend = time.time() + {seconds}\nwhile time.time() < end: pass\n"


def test_the_peak_is_the_most_used_in_any_window():
    history = [(0.0, 0.1), (1.0, 0.1), (2.0, 2.0), (3.0, 0.0), (4.0, 0.0), (10.0, 0.5)]
    assert quiet._peak(history, 5.0) == (0.1 + 0.1 + 2.0) / 5.0
    assert quiet._peak([], 5.0) == 0.0


def test_a_report_line_says_when_a_run_is_void_and_who_ran():
    machine = {"quiet": False, "seconds": 60.0, "others_cpu_seconds": 12.5, "others_share": 0.208,
               "others_peak_share": 0.9, "others_top": [["rabbitmq", 77, 12.0]], "loadavg_start": (1.0, 0.5, 0.2)}
    line = quiet.describe(machine)
    assert "NOT QUIET" in line and "void" in line and "rabbitmq (pid 77) 12.00 s" in line
    assert "NOT QUIET" not in quiet.describe({**machine, "quiet": True, "others_top": []})


def _detached_busy(seconds: float) -> int:
    """A busy process that is not this one's descendant (its parent exits at once): the pid."""
    read, write = os.pipe()
    launcher = subprocess.Popen([sys.executable, "-c", (
        "import os, subprocess, sys\n"
        f"p = subprocess.Popen([sys.executable, '-c', {BUSY.format(seconds=seconds)!r}], start_new_session=True)\n"
        f"os.write({write}, str(p.pid).encode())\n")], pass_fds=(write,))
    launcher.wait(10)
    os.close(write)
    with os.fdopen(read) as f:
        return int(f.read())


def test_a_process_that_is_not_the_benchs_own_is_counted_as_another_and_makes_the_run_not_quiet():
    watch = quiet.MachineWatch(sample_seconds=0.2).start()
    pid = _detached_busy(1.5)
    time.sleep(2.0)
    machine = watch.stop()
    counted = {p: cpu for _, p, cpu in machine["others_top"]}
    assert counted.get(pid, 0) > 1.0, machine
    assert not machine["quiet"]


def test_the_benchs_own_children_are_its_own():
    watch = quiet.MachineWatch(sample_seconds=0.2).start()
    child = subprocess.Popen([sys.executable, "-c", BUSY.format(seconds=1.0)])
    child.wait(10)
    machine = watch.stop()
    assert child.pid not in {p for _, p, _ in machine["others_top"]}, machine
