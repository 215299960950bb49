"""Beacon's own processes, started from the Procfile for tests that cross them."""

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

from honcho.environ import parse_procfile

from dev.ports import any_free_port as free_port
from tests.support.waiting import wait_for

ROOT = Path(__file__).resolve().parents[2]


class ProcfileStack:
    """Runs the named Procfile entries exactly as honcho would (``sh -c`` per line)."""

    def __init__(self, names: list[str], env: dict, log_dir: Path):
        procfile = parse_procfile((ROOT / "Procfile").read_text())
        self.commands = {name: procfile.processes[name] for name in names}
        self.env = {**env, "PATH": os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")}
        self.log_dir = log_dir
        self.procs: dict[str, subprocess.Popen] = {}

    def start(self) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        for name in self.commands:
            self.start_one(name)

    def start_one(self, name: str) -> None:
        """Start (or start again, after a kill) one process; its log goes on where it was."""
        with open(self.log_dir / f"{name}.log", "ab") as log:
            self.procs[name] = subprocess.Popen(
                ["sh", "-c", f"exec {self.commands[name]}"], cwd=ROOT, env=self.env, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True,
            )

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Signal one process and its children (Celery's pool, gunicorn's workers), and reap it."""
        proc = self.procs[name]
        if proc.poll() is None:
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        if sig == signal.SIGKILL:
            # The group's children may outlive their parent by a moment.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)

    def running(self, name: str) -> bool:
        return self.procs[name].poll() is None

    def log(self, name: str) -> str:
        return (self.log_dir / f"{name}.log").read_text(errors="replace")

    def wait_for_log(self, name: str, text: str, timeout: float = 60) -> None:
        def seen():
            if self.procs[name].poll() is not None:
                raise AssertionError(f"{name} exited with {self.procs[name].returncode}:\n{self.log(name)[-3000:]}")
            return text in self.log(name)

        wait_for(seen, timeout=timeout, message=f"{name} logging {text!r}")

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def own_realtime(env: dict, log_dir: Path, settings: dict):
    """A realtime process of a test's own, on ``env`` (a stack's) with ``settings`` beside: its port, while it runs.

    A generator, for a fixture to ``yield from``.
    """
    port = free_port()
    process = ProcfileStack(["realtime"], {**env, "REALTIME_PORT": str(port), **settings}, log_dir)
    process.start()
    try:
        wait_for(lambda: _healthz_answers(port), timeout=60, message=f"the test's realtime process with {settings}")
        yield port
    finally:
        process.stop()


def _healthz_answers(port: int) -> bool:
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", "/realtime/healthz")
        return conn.getresponse().status == 200
    except OSError:
        return False
    finally:
        conn.close()
