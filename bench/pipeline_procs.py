"""The pipeline bench's processes: Beacon's, started from the Procfile, and what each one's CPU costs.

:class:`Stack` starts the named Procfile entries as honcho would (``sh -c
'exec <line>'``, so the pid is the process itself), each in its own session
with its own log, and stops every one it started (SIGTERM to the process
group, SIGKILL after a grace period): on success, failure and Ctrl-C alike.

:class:`CpuMeter` samples the CPU time (user + system, from /proc) of every
process of interest twice a second, per pid, so a window's cost per role is
the growth of each pid's time, a process born inside the window counting
from 0: Celery's pool children, PostgreSQL backends that connect late.
PostgreSQL backends that exit inside a window (a connection per task) are
counted from the postmaster's children times (cutime + cstime), which cover
every database of the server: on a shared machine, others' too.
"""

import os
import signal
import subprocess
import threading
import time
from collections import defaultdict
from pathlib import Path

import psutil
from honcho.environ import parse_procfile

MAIN = Path(__file__).resolve().parents[1]
STOP_GRACE_SECONDS = 20


def procfile_commands() -> dict[str, str]:
    return dict(parse_procfile((MAIN / "Procfile").read_text()).processes)


class Proc:
    def __init__(self, name: str, command: str, env: dict, log_path: Path):
        self.name, self.command, self.log_path = name, command, log_path
        self._log = open(log_path, "ab")
        self.popen = subprocess.Popen(["sh", "-c", f"exec {command}"], cwd=MAIN, env=env, stdout=self._log,
                                      stderr=subprocess.STDOUT, start_new_session=True)
        self.pid = self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def tree(self) -> list[int]:
        try:
            root = psutil.Process(self.pid)
            return [self.pid, *(c.pid for c in root.children(recursive=True))]
        except psutil.NoSuchProcess:
            return []

    def stop(self) -> None:
        if self.popen.poll() is None:
            try:
                os.killpg(self.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.popen.wait(STOP_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                pass
        # The group's children (Celery's pool) may outlive their parent.
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        if self.popen.poll() is None:
            self.popen.wait(5)
        self._log.close()


class Stack:
    """Processes started by this bench, stopped all together."""

    def __init__(self, env: dict, log_dir: Path):
        self.env = {**env, "PATH": str(MAIN / ".venv" / "bin") + os.pathsep + env.get("PATH", os.defpath)}
        self.log_dir = log_dir
        self.procs: dict[str, Proc] = {}

    def start(self, name: str, command: str, env: dict | None = None) -> Proc:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        proc = Proc(name, command, {**self.env, **(env or {})}, self.log_dir / f"{name}.log")
        self.procs[name] = proc
        return proc

    def wait_for_log(self, name: str, text: str, timeout: float) -> None:
        proc = self.procs[name]
        deadline = time.monotonic() + timeout
        while text not in proc.log_text():
            if not proc.alive():
                raise RuntimeError(f"{name} exited with {proc.popen.returncode}; see {proc.log_path}:\n"
                                   f"{proc.log_text()[-2000:]}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"{name} did not log {text!r} within {timeout:.0f} s; see {proc.log_path}")
            time.sleep(0.2)

    def check_alive(self) -> None:
        for name, proc in self.procs.items():
            if not proc.alive():
                raise RuntimeError(f"{name} exited with {proc.popen.returncode}; see {proc.log_path}")

    def stop(self) -> None:
        procs, self.procs = list(self.procs.values()), {}
        for proc in procs:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for proc in procs:
            proc.stop()
        # Until nothing of theirs is left (a pool child can outlive its parent by a moment).
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        while time.monotonic() < deadline:
            left = [p for p in psutil.process_iter(["pid"]) if _pgid(p.info["pid"]) in {q.pid for q in procs}]
            if not left:
                return
            for p in left:
                try:
                    p.kill()
                except psutil.Error:
                    pass
            time.sleep(0.1)


def _pgid(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except OSError:
        return None


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
            if self._postmaster:
                # Backends that lived and died between two samples (a connection per task) are in
                # the postmaster's children times once reaped; a negative key keeps them apart.
                cpu = _cpu(self._postmaster, reaped_children=True)
                if cpu is not None:
                    self._last[-self._postmaster] = cpu
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
