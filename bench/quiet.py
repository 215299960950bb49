"""Whether anything but the benchmark ran: other processes' CPU before and during a run.

A figure taken while something else used the cores is void, and a load
average says too little too late (it trails by a minute and names nobody).
:class:`MachineWatch` samples every process's CPU time once a second and
counts what was not the bench's own:

- own: this process and its descendants (the servers it started, Beacon's
  processes, the load generators, an earlier code's run), PostgreSQL's
  processes but those working for another database, and Redis;
- others: everything else. Another test run, a leftover server, a service of
  the machine's, PostgreSQL backends and autovacuum workers of other
  databases (an earlier run's database being vacuumed, say).

Kernel threads are left out (the bench's own I/O wakes them), and so is a
process that was born and died between two samples: it is seen by no one.

Before a run, :meth:`MachineWatch.wait_until_quiet` waits for the others to
settle and refuses (:class:`NotQuiet`) when they do not; during it,
:meth:`MachineWatch.start` and :meth:`MachineWatch.stop` give what the
others used, which the reports print beside the figures, marking the run
when it was not quiet.
"""

import os
import threading
import time

import psutil

# Others may use this share of one core, averaged over a run ...
QUIET_SHARE = 0.05
# ... and this much in any PEAK_SECONDS, for the run to count as quiet.
PEAK_SHARE = 0.25
PEAK_SECONDS = 5.0
SAMPLE_SECONDS = 1.0


class NotQuiet(RuntimeError):
    """The machine did not settle before a run; the message names who used it."""


class MachineWatch:
    def __init__(self, *, databases=(), pg_dsn: str | None = None, sample_seconds: float = SAMPLE_SECONDS):
        self._databases = set(databases)
        self._pg_dsn = pg_dsn
        self._pg = None
        self._interval = sample_seconds
        self._lock = threading.Lock()
        self._cpu: dict[int, float] = {}  # pid -> CPU seconds at the last sample
        self._names: dict[int, str] = {}
        self._others_total: dict[int, float] = {}  # pid -> others' CPU counted since start
        self._history: list[tuple[float, float]] = []  # (time, others' CPU in the interval ending then)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._started = None

    # -- before a run
    def wait_until_quiet(self, timeout: float = 180.0, window: float = 3.0, log=print) -> dict:
        """Return once the others used less than QUIET_SHARE of a core over ``window`` seconds; NotQuiet
        after ``timeout`` (naming the busiest of them)."""
        deadline = time.monotonic() + timeout
        self._sample(count=False)
        said = False
        while True:
            time.sleep(window)
            used = self._sample(count=False)
            share = sum(used.values()) / window
            if share < QUIET_SHARE:
                return {"others_share_before": round(share, 3), "loadavg_before": os.getloadavg()}
            busiest = _busiest(used, self._names)
            if time.monotonic() > deadline:
                raise NotQuiet(f"the machine is not quiet: others used {share:.0%} of a core over the last "
                               f"{window:.0f} s ({busiest}); stop them (by pid) and run again")
            if not said:
                log(f"waiting for the machine to be quiet: others use {share:.0%} of a core ({busiest})")
                said = True

    # -- during a run
    @property
    def started(self) -> bool:
        return self._started is not None

    def start(self) -> "MachineWatch":
        self._sample(count=False)
        self._started = time.monotonic()
        self._loadavg_start = os.getloadavg()
        self._thread = threading.Thread(target=self._run, daemon=True, name="machine-watch")
        self._thread.start()
        return self

    def stop(self) -> dict:
        """What the others used since start: the run's "machine" facts for its report."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
        self._sample(count=True)
        seconds = max(time.monotonic() - self._started, 1e-9)
        with self._lock:
            total = sum(self._others_total.values())
            top = sorted(self._others_total.items(), key=lambda kv: -kv[1])[:5]
            peak = _peak(self._history, PEAK_SECONDS)
            names = dict(self._names)
        if self._pg is not None:
            self._pg.close()
        share = total / seconds
        return {
            "quiet": share < QUIET_SHARE and peak < PEAK_SHARE,
            "seconds": round(seconds, 1),
            "others_cpu_seconds": round(total, 2),
            "others_share": round(share, 3),
            "others_peak_share": round(peak, 3),
            "others_top": [[names.get(pid, "?"), pid, round(cpu, 2)] for pid, cpu in top if cpu >= 0.01],
            "loadavg_start": self._loadavg_start,
            "loadavg_end": os.getloadavg(),
        }

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self._sample(count=True)

    # -- sampling
    def _sample(self, *, count: bool) -> dict[int, float]:
        """Each other process's CPU since the last sample (recorded when ``count``)."""
        own = self._own_pids()
        used: dict[int, float] = {}
        seen = {}
        for proc in psutil.process_iter(["pid", "ppid", "name", "cpu_times"]):
            info = proc.info
            pid, times = info["pid"], info["cpu_times"]
            if times is None or pid == 2 or info["ppid"] == 2:
                continue  # gone, or a kernel thread
            cpu = times.user + times.system
            seen[pid] = cpu
            if pid in own:
                continue
            before = self._cpu.get(pid)
            if before is None:
                # Not seen by the last sample, so born since: all its time is new. (Its create_time cannot
                # tell: psutil derives it from a boot time in whole seconds.) Before the first sample: none is.
                before = 0.0 if self._cpu else cpu
            if cpu > before:
                used[pid] = cpu - before
            self._names[pid] = info["name"] or "?"
        with self._lock:
            self._cpu = seen
            if count:
                for pid, cpu in used.items():
                    self._others_total[pid] = self._others_total.get(pid, 0.0) + cpu
                self._history.append((time.monotonic(), sum(used.values())))
        return used

    def _own_pids(self) -> set[int]:
        me = psutil.Process()
        own = {me.pid}
        try:
            own.update(child.pid for child in me.children(recursive=True))
        except psutil.Error:
            pass
        for proc in psutil.process_iter(["pid", "name"]):
            if proc.info["name"] in ("redis-server", "postgres"):
                own.add(proc.info["pid"])
        return own - self._pg_others()

    def _pg_others(self) -> set[int]:
        """PostgreSQL backends and autovacuum workers working for a database other than the bench's."""
        if not self._pg_dsn:
            return set()
        import psycopg2

        try:
            if self._pg is None or self._pg.closed:
                self._pg = psycopg2.connect(self._pg_dsn)
                self._pg.autocommit = True
            with self._pg.cursor() as cur:
                cur.execute("SELECT pid, datname FROM pg_stat_activity"
                            " WHERE datname IS NOT NULL AND pid <> pg_backend_pid()")
                rows = cur.fetchall()
        except psycopg2.Error:
            self._pg = None
            return set()
        return {pid for pid, datname in rows if datname not in self._databases}


def _busiest(used: dict[int, float], names: dict[int, str]) -> str:
    top = sorted(used.items(), key=lambda kv: -kv[1])[:3]
    return ", ".join(f"{names.get(pid, '?')} (pid {pid}) {cpu:.2f} s" for pid, cpu in top) or "nobody in particular"


def _peak(history: list[tuple[float, float]], seconds: float) -> float:
    """The most the others used in any ``seconds`` of the history, as a share of one core."""
    best = 0.0
    start = 0
    total = 0.0
    for end in range(len(history)):
        total += history[end][1]
        while history[end][0] - history[start][0] > seconds:
            total -= history[start][1]
            start += 1
        best = max(best, total)
    return best / seconds


def describe(machine: dict | None) -> str:
    """The report's line about it: quiet, or NOT QUIET and who ran."""
    if not machine:
        return "Machine: not watched."
    load = ", ".join(f"{x:.2f}" for x in machine["loadavg_start"])
    verdict = "quiet" if machine["quiet"] else "**NOT QUIET: these figures are void**"
    top = "; ".join(f"{name} (pid {pid}) {cpu:.2f} s" for name, pid, cpu in machine["others_top"])
    return (f"Machine: {verdict}. Over the run's {machine['seconds']:.0f} s, other processes used "
            f"{machine['others_cpu_seconds']:.2f} s of CPU ({machine['others_share']:.1%} of a core; at most "
            f"{machine['others_peak_share']:.0%} in any {PEAK_SECONDS:.0f} s){': ' + top if top else ''}. "
            f"Load average (1, 5, 15 min) at the start: {load}.")
