"""Beacon's processes as the Procfile starts them, for the benches that run them (pipeline, digest).

:class:`Stack` starts the named Procfile entries as honcho would (``sh -c
'exec <line>'``, so the pid is the process itself), each in its own session
with its own log, and stops every one it started (SIGTERM to the process
group, SIGKILL after a grace period): on success, failure and Ctrl-C alike.
"""

import os
import signal
import subprocess
import time
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
