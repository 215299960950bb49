"""Fixtures that start real servers in throw-away var dirs, and make sure none outlive the run."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from dev import ports, procs, state
from dev.stack import SERVICES, ensure_stack, stop_stack


def closed_url(kind: str, dbname: str = "beacon_test") -> str:
    """A URL at a loopback port nothing listens on."""
    port = ports.any_free_port()
    return {
        "postgres": f"postgres://postgres@127.0.0.1:{port}/{dbname}",
        "redis": f"redis://127.0.0.1:{port}/5",
        "kafka": f"127.0.0.1:{port}",
    }[kind]


def closed_urls(dbname: str = "beacon_test") -> dict[str, str]:
    return {
        "database_url": closed_url("postgres", dbname),
        "redis_url": closed_url("redis"),
        "kafka_bootstrap": closed_url("kafka"),
    }


@dataclass
class Run:
    """What an operator sees from one ensure_stack call."""

    var_dir: Path
    urls: dict[str, str]
    endpoints: dict
    lines: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def text(self) -> str:
        return "\n".join(self.lines)


def run_stack(var_dir: Path, urls: dict[str, str]) -> Run:
    lines: list[str] = []
    started = time.monotonic()
    endpoints = ensure_stack(var_dir, **urls, log=lines.append)
    return Run(var_dir, urls, endpoints, lines, time.monotonic() - started)


REPO = Path(__file__).resolve().parents[2]


@dataclass
class BeaconRun:
    """``python -m dev run`` (what ``make run`` runs), in a session of its own, and what it printed."""

    process: subprocess.Popen
    var_dir: Path
    output: list[str]

    def text(self) -> str:
        return "".join(self.output)

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def start_beacon_run(cold_run: Run, var_dir: Path, **env: str) -> BeaconRun:
    """Beacon on the cold run's PostgreSQL and Redis, a Kafka broker of its own, and free ports."""
    env = {
        **os.environ,
        "DATABASE_URL": cold_run.endpoints["postgres"].url,
        "REDIS_URL": cold_run.endpoints["redis"].url,
        "KAFKA_BOOTSTRAP_SERVERS": closed_url("kafka"),
        "BEACON_PORT": str(ports.any_free_port()),
        "WEB_PORT": str(ports.any_free_port()),
        "REALTIME_PORT": str(ports.any_free_port()),
        "MAIL_PORT": str(ports.any_free_port()),
        "CELERY_BEAT_SCHEDULE_FILE": str(var_dir / "celerybeat-schedule"),
        **env,
    }
    process = subprocess.Popen([sys.executable, "-m", "dev", "run", "--var", str(var_dir)], cwd=REPO,
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               start_new_session=True)
    output: list[str] = []
    threading.Thread(target=lambda: output.extend(process.stdout), daemon=True).start()
    return BeaconRun(process, var_dir, output)


def recorded_pids(var_dir: Path) -> list[int]:
    return [r["pid"] for s in SERVICES if (r := state.read(var_dir / s.NAME))]


@pytest.fixture(scope="session")
def new_var_dir(tmp_path_factory):
    """Factory of var dirs; at the end every server recorded in any of them is stopped
    and must really be gone."""
    made: list[Path] = []

    def make(name: str) -> Path:
        path = tmp_path_factory.mktemp(name)
        made.append(path)
        return path

    yield make

    pids = []
    for var_dir in made:
        pids += recorded_pids(var_dir)
        stop_stack(var_dir, log=lambda _: None)
    survivors = [p for p in pids if not procs.wait_until(lambda p=p: not procs.is_alive(p), 15)]
    assert not survivors, f"devstack servers still running after the tests: {survivors}"


@pytest.fixture(scope="session")
def cold_run(new_var_dir) -> Run:
    """One stack started from nothing, shared by the tests that only use it."""
    return run_stack(new_var_dir("stack"), closed_urls())


class ForeignListener:
    """A TCP server that accepts connections and never says a word."""

    def __init__(self, port: int = 0):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.accepted: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted.append(conn)

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)  # wakes the accept() blocked in the thread
        except OSError:
            pass
        self.sock.close()
        for conn in self.accepted:
            conn.close()


@pytest.fixture
def foreign_listener():
    listeners = []

    def make() -> ForeignListener:
        listeners.append(ForeignListener())
        return listeners[-1]

    yield make
    for listener in listeners:
        listener.close()
