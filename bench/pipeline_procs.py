"""What each process of the pipeline bench costs in CPU (Beacon's are started by bench/procfile.py), and
which process listens on a port.

:class:`CpuMeter` samples the CPU time (user + system, from /proc) of every
process of interest twice a second, per pid, so a window's cost per role is
the growth of each pid's time, a process born inside the window counting
from 0: Celery's pool children, PostgreSQL backends that connect late.
PostgreSQL backends that exit inside a window (a connection per task) are
counted from the postmaster's children times (cutime + cstime), which cover
every database of the server: on a shared machine, others' too. A backend
the meter knew adds its whole life's time there when it exits, of which the
meter had already counted all up to its last sample: that part is taken off
again, or a connection closed after an hour would charge the window with
the hour.
"""

import os
import threading
from collections import defaultdict

import psutil


def listening_pid(port: int) -> int | None:
    """The pid of the process listening on a local TCP port (another user's too: we run as root)."""
    try:
        for conn in psutil.net_connections(kind="tcp"):
            if conn.status == psutil.CONN_LISTEN and conn.laddr and conn.laddr.port == port and conn.pid:
                return conn.pid
    except psutil.AccessDenied:
        return None
    return None


def _cpu(pid: int, *, reaped_children: bool = False) -> float | None:
    """utime + stime; or, with ``reaped_children``, cutime + cstime: what its children that exited used."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        first = 13 if reaped_children else 11
        return (int(fields[first]) + int(fields[first + 1])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


class CpuMeter:
    """CPU seconds per role over windows. ``roles``: name -> callable giving the role's pids now."""

    INTERVAL = 0.5

    def __init__(self, roles: dict, pg_dsn: str | None, database: str):
        self.roles = dict(roles)
        self._pg_dsn, self._database = pg_dsn, database
        self._pg = None
        self._postmaster = None
        self._lock = threading.Lock()
        self._last: dict[int, float] = {}
        self._role_of: dict[int, str] = {}
        # Known PostgreSQL backends that have exited, and the sum of their last CPU seen.
        self._exited: set[int] = set()
        self._exited_known = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> "CpuMeter":
        self._thread.start()
        return self

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        if self._pg is not None:
            self._pg.close()

    def _pg_pids(self) -> dict[int, str]:
        if not self._pg_dsn:
            return {}
        import psycopg2

        try:
            if self._pg is None or self._pg.closed:
                self._pg = psycopg2.connect(self._pg_dsn)
                self._pg.autocommit = True
            with self._pg.cursor() as cur:
                cur.execute("SELECT pid, backend_type, datname FROM pg_stat_activity WHERE pid <> pg_backend_pid()")
                rows = cur.fetchall()
        except psycopg2.Error:
            self._pg = None
            return {}
        pids = {}
        if self._postmaster is None and rows:
            try:
                self._postmaster = psutil.Process(rows[0][0]).ppid()
            except psutil.Error:
                pass
        for pid, backend_type, datname in rows:
            if backend_type == "client backend":
                if datname == self._database:
                    pids[pid] = "PostgreSQL backends"
            else:
                pids[pid] = "PostgreSQL background"
        return pids

    def sample(self) -> None:
        found = {}
        for role, pids_of in self.roles.items():
            try:
                for pid in pids_of() or ():
                    found[pid] = role
            except Exception:  # a role whose process is gone has no pids
                pass
        found.update(self._pg_pids())
        with self._lock:
            for pid, role in found.items():
                cpu = _cpu(pid)
                if cpu is not None:
                    self._last[pid] = cpu
                    self._role_of[pid] = role
            for pid, role in self._role_of.items():
                if pid > 0 and role.startswith("PostgreSQL") and pid not in self._exited and _cpu(pid) is None:
                    # Reaped: the postmaster's children times now hold its whole life, and the
                    # windows already have it up to its last sample (kept in _last).
                    self._exited.add(pid)
                    self._exited_known += self._last[pid]
            if self._postmaster:
                # Backends that lived and died between two samples (a connection per task) are in
                # the postmaster's children times once reaped; a negative key keeps them apart.
                cpu = _cpu(self._postmaster, reaped_children=True)
                if cpu is not None:
                    self._last[-self._postmaster] = cpu - self._exited_known
                    self._role_of[-self._postmaster] = "PostgreSQL exited backends"

    def _run(self) -> None:
        while not self._stop.wait(self.INTERVAL):
            self.sample()

    def mark(self) -> dict[int, float]:
        self.sample()
        with self._lock:
            return dict(self._last)

    def since(self, mark: dict[int, float]) -> dict[str, float]:
        self.sample()
        totals = defaultdict(float)
        with self._lock:
            for pid, cpu in self._last.items():
                base = mark.get(pid, 0.0)
                if cpu >= base:
                    totals[self._role_of[pid]] += cpu - base
        return {role: round(seconds, 2) for role, seconds in totals.items()}
