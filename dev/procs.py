"""Processes of our servers: start detached, tell alive from gone, stop, read their logs."""

import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

# Servers this process spawned. Holding their Popen lets us reap them when they die (a
# zombie still answers kill(pid, 0)) and keeps Popen from warning that they still run.
_children: dict[int, subprocess.Popen] = {}


def is_alive(pid: int | None) -> bool:
    if not pid:
        return False
    if pid in _children:
        return _children[pid].poll() is None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rpartition(")")[2].split()[0] != "Z"  # orphans wait as zombies until init reaps them


def argv(pid: int) -> list[str]:
    """The process's arguments ([] when unknown); used to make sure a recorded pid still
    belongs to our server before we signal it."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return raw.decode(errors="replace").rstrip("\0").split("\0")


def cmdline(pid: int) -> str:
    return " ".join(argv(pid))


def server_env() -> dict[str, str]:
    # PG* variables (PGDATA, PGPORT, ...) would silently redirect pg_ctl/initdb.
    return {k: v for k, v in os.environ.items() if not k.startswith("PG")}


def spawn_detached(argv: list[str], log_path: Path, cwd: Path) -> int:
    """Start a server in its own session so it outlives the command that started it."""
    with open(log_path, "ab") as log_file:
        proc = subprocess.Popen(
            argv,
            cwd=cwd,
            env=server_env(),
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    _children[proc.pid] = proc
    return proc.pid


def wait_until(condition: Callable[[], bool], timeout: float, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        if condition():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


def terminate(pid: int, grace: float = 10.0, first_signal: int = signal.SIGTERM) -> None:
    """Ask politely, then SIGKILL once ``grace`` seconds have passed."""
    for sig, wait in ((first_signal, grace), (signal.SIGKILL, 5.0)):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        if wait_until(lambda: not is_alive(pid), wait):
            return


def log_tail(path: Path, lines: int = 25) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return f"(no log at {path})"
    tail = text.splitlines()[-lines:]
    return "\n".join(f"    {line}" for line in tail) if tail else f"(log {path} is empty)"
