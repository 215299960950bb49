"""bench/quiet.py: what the benchmarks call the machine's others, and how a run is judged quiet."""

import os
import signal
import subprocess
import sys
import time

import psutil

from bench import quiet

BUSY = "import time\nend = time.time() + {seconds}\nwhile time.time() < end: pass\n"
# Waits to be an orphan (until then it is its launcher's, and so this test's, own), burns a second of its own
# CPU however busy the machine is, then idles so that it is still there to be seen.
ORPHAN_BURNS_THEN_IDLES = (
    "import os, sys, time\nwhile os.getppid() == int(sys.argv[1]): time.sleep(0.01)\n"
    "while time.process_time() < 1.0: pass\ntime.sleep(60)\n")


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


def _detached(code: str) -> int:
    """A process that is not this one's descendant (its parent exits at once): the pid."""
    read, write = os.pipe()
    launcher = subprocess.Popen([sys.executable, "-c", (
        "import os, subprocess, sys\n"
        f"p = subprocess.Popen([sys.executable, '-c', {code!r}, str(os.getpid())], start_new_session=True)\n"
        f"os.write({write}, str(p.pid).encode())\n")], pass_fds=(write,))
    launcher.wait(10)
    os.close(write)
    with os.fdopen(read) as f:
        return int(f.read())


def test_a_process_that_is_not_the_benchs_own_is_counted_as_another_and_makes_the_run_not_quiet():
    watch = quiet.MachineWatch(sample_seconds=0.2).start()
    pid = _detached(ORPHAN_BURNS_THEN_IDLES)
    try:
        busy = psutil.Process(pid)
        deadline = time.monotonic() + 60
        while sum(busy.cpu_times()[:2]) < 0.95:  # /proc counts in ticks: 1.0 may read 0.99
            assert time.monotonic() < deadline, "the busy process never used its second of CPU"
            time.sleep(0.1)
        machine = watch.stop()
    finally:
        os.kill(pid, signal.SIGKILL)
    counted = {p: cpu for _, p, cpu in machine["others_top"]}
    assert counted.get(pid, 0) >= 0.9, machine
    assert not machine["quiet"]


def test_the_benchs_own_children_are_its_own():
    watch = quiet.MachineWatch(sample_seconds=0.2).start()
    child = subprocess.Popen([sys.executable, "-c", BUSY.format(seconds=1.0)])
    child.wait(10)
    machine = watch.stop()
    assert child.pid not in {p for _, p, _ in machine["others_top"]}, machine
