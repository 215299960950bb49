"""Make PostgreSQL, Redis and Kafka available: the configured ones when they answer,
otherwise servers of our own recorded under ``var_dir``."""

import fcntl
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from . import kafka, ports, postgres, procs, redis, state
from .errors import DevstackError

__all__ = ["DevstackError", "Endpoint", "ensure_stack", "stop_stack", "stack_status"]

SERVICES = (postgres, redis, kafka)
READY_TIMEOUT = 30.0
LOCK_FILE = "devstack.lock"

Log = Callable[[str], None]


@dataclass(frozen=True)
class Endpoint:
    name: str
    url: str
    owned: bool
    pid: int | None


@contextmanager
def _locked(var_dir: Path, log: Log) -> Iterator[None]:
    """One devstack command per var_dir at a time, so two callers never both start servers."""
    var_dir.mkdir(parents=True, exist_ok=True)
    with open(var_dir / LOCK_FILE, "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log(f"devstack: waiting for another devstack command working on {var_dir}")
            fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _running(service, service_dir: Path, record: dict) -> bool:
    """Whether the recorded pid is still our server: pids get reused, and we never signal a stranger."""
    pid = record.get("pid")
    return isinstance(pid, int) and procs.is_alive(pid) and service.is_ours(pid, service_dir, record.get("port"))


def _live_record(service, service_dir: Path, record: dict | None, log: Log) -> dict | None:
    """Our recorded server when it is still running and answering; cleans up after one that is not."""
    if not record:
        return None
    pid, url = record.get("pid"), record.get("url")
    if _running(service, service_dir, record):
        if service.answers(url):
            return record
        log(f"{service.NAME}: our server (pid {pid}) runs but does not answer at {url}; restarting it")
        service.stop(service_dir, pid, log)
    else:
        log(f"{service.NAME}: our earlier server (pid {pid}) is gone")
    state.clear(service_dir)
    return None


def _start_ours(service, service_dir: Path, configured: str, port_wanted: list[int], log: Log) -> Endpoint:
    service_dir.mkdir(parents=True, exist_ok=True)
    for attempt in range(3):
        port = ports.choose_port(service.NAME, port_wanted, log)
        try:
            return _start_on(service, service_dir, configured, port, log)
        except DevstackError:
            # Another var_dir's devstack may have taken the port between our check and our
            # server's bind; only then is another port worth a try.
            if attempt == 2 or ports.is_free(port):
                raise
            log(f"{service.NAME}: port {port} was taken while our server started; trying another")
            port_wanted = []
    raise AssertionError("unreachable")


def _start_on(service, service_dir: Path, configured: str, port: int, log: Log) -> Endpoint:
    pid = service.start(service_dir, port, log)
    url = service.our_url(configured, port)
    state.write(service_dir, pid=pid, port=port, url=url)

    def ready() -> bool:
        if not procs.is_alive(pid):
            state.clear(service_dir)
            raise DevstackError(
                f"{service.NAME}: our server exited while starting on {ports.LOOPBACK}:{port}; "
                f"log {service.log_path(service_dir)}:\n{procs.log_tail(service.log_path(service_dir))}"
            )
        return service.answers(url)

    if not procs.wait_until(ready, READY_TIMEOUT, interval=0.1):
        service.stop(service_dir, pid, log)
        state.clear(service_dir)
        raise DevstackError(
            f"{service.NAME}: our server (pid {pid}) did not answer at {url} within {READY_TIMEOUT:g} s; "
            f"log {service.log_path(service_dir)}:\n{procs.log_tail(service.log_path(service_dir))}"
        )
    service.prepare(url, log)
    return Endpoint(service.NAME, url, True, pid)


def _ensure_one(service, var_dir: Path, configured: str, log: Log) -> Endpoint:
    name = service.NAME
    service_dir = var_dir / name
    targets = service.addresses(configured)
    record = state.read(service_dir)
    ours = _live_record(service, service_dir, record, log)
    refusals = [ports.why_unreachable(t) for t in targets]

    if None in refusals:
        if ours and any(isinstance(t, tuple) and ports.is_loopback(t[0]) and t[1] == ours["port"] for t in targets):
            service.prepare(configured, log)
            where = service.describe(configured)
            log(f"{name}: reusing ours at {where} (pid {ours['pid']}; it is the configured address)")
            return Endpoint(name, configured, True, ours["pid"])
        service.check_configured(configured, log)
        log(f"{name}: using the configured server at {service.describe(configured)}")
        return Endpoint(name, configured, False, None)

    absent = f"nothing answers at {service.describe(configured)} ({'; '.join(sorted(set(refusals)))})"
    if ours:
        service.prepare(ours["url"], log)
        log(f"{name}: {absent}; reusing ours at {ours['url']} (pid {ours['pid']})")
        return Endpoint(name, ours["url"], True, ours["pid"])

    previous_port = (record or {}).get("port")
    started = time.monotonic()
    endpoint = _start_ours(service, service_dir, configured, [previous_port, service.PREFERRED_PORT], log)
    log(
        f"{name}: {absent}; started ours at {endpoint.url} (pid {endpoint.pid}, "
        f"{time.monotonic() - started:.1f} s, log {service.log_path(service_dir)})"
    )
    return endpoint


def ensure_stack(
    var_dir: Path, *, database_url: str, redis_url: str, kafka_bootstrap: str, log: Log = print
) -> dict[str, Endpoint]:
    """Endpoints for postgres, redis and kafka: each the configured server when it answers
    and is usable, else ours (started now, or reused from an earlier call with this var_dir).

    Raises DevstackError when a configured address answers but is unusable, or ours fails to start.
    """
    var_dir = Path(var_dir).resolve()
    configured = {postgres.NAME: database_url, redis.NAME: redis_url, kafka.NAME: kafka_bootstrap}
    with _locked(var_dir, log):
        return {s.NAME: _ensure_one(s, var_dir, configured[s.NAME], log) for s in SERVICES}


def stop_stack(var_dir: Path, log: Log = print) -> list[str]:
    """Stop the servers this var_dir started; returns their names. Nothing else is touched."""
    var_dir = Path(var_dir).resolve()
    if not var_dir.is_dir():
        return []
    stopped = []
    with _locked(var_dir, log):
        for service in reversed(SERVICES):
            service_dir = var_dir / service.NAME
            record = state.read(service_dir)
            if not record:
                continue
            pid = record.get("pid")
            if _running(service, service_dir, record):
                service.stop(service_dir, pid, log)
                stopped.append(service.NAME)
                log(f"{service.NAME}: stopped ours (pid {pid}, {record.get('url')})")
            else:
                log(f"{service.NAME}: ours (pid {pid}) was no longer running")
            state.clear(service_dir)
    return stopped


def stack_status(var_dir: Path, *, database_url: str, redis_url: str, kafka_bootstrap: str) -> list[str]:
    """One line per service saying what answers, without starting or stopping anything."""
    var_dir = Path(var_dir).resolve()
    configured = {postgres.NAME: database_url, redis.NAME: redis_url, kafka.NAME: kafka_bootstrap}
    lines = []
    for service in SERVICES:
        url = configured[service.NAME]
        refusals = [ports.why_unreachable(t) for t in service.addresses(url)]
        there = "answers" if None in refusals else f"does not answer ({'; '.join(sorted(set(refusals)))})"
        record = state.read(var_dir / service.NAME)
        if not record:
            ours = "none of ours recorded"
        elif _running(service, var_dir / service.NAME, record):
            ours = f"ours running at {record.get('url')} (pid {record['pid']})"
        else:
            ours = f"ours recorded at {record.get('url')} but pid {record.get('pid')} is gone"
        lines.append(f"{service.NAME}: configured {service.describe(url)} {there}; {ours}")
    return lines
