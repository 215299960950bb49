"""The two servers under test, each one worker pinned to core 0, what their worker costs,
and the bench's own Redis server.

Beacon: ``gunicorn --config gunicorn.conf.py`` (gevent_pywsgi worker) from the project
root. nchan: Debian's nginx with libnginx-mod-nchan and bench/nginx.conf.in.
Both run under ``ulimit -n 20000`` and ``taskset -c 0``. Redis: the bench
starts its own ``redis-server`` (no persistence) pinned to a core of its
choosing, so the machine's server is left alone.
"""

import http.client
import json
import os
import re
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import psutil

MAIN = Path(__file__).resolve().parent.parent
VENV_BIN = MAIN / ".venv" / "bin"
CLK_TCK = os.sysconf("SC_CLK_TCK")
NOFILE = 20000


def raise_open_files_limit():
    """``ulimit -n 20000`` for this process, so that the servers and the client inherit it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < NOFILE:
        raise SystemExit(f"the hard limit of open files is {hard}; the benchmark needs {NOFILE} (ulimit -Hn)")
    resource.setrlimit(resource.RLIMIT_NOFILE, (NOFILE, hard))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_stats(pid: int) -> dict:
    """Resident memory (kB, split as /proc shows it) and CPU time (s) of one process."""
    stats = {"t": time.monotonic()}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "RssAnon", "RssFile", "RssShmem", "VmHWM"):
                stats[key] = int(value.split()[0])
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    stats["cpu"] = (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime
    return stats


def cpu_percent(a: dict, b: dict) -> float:
    return 100.0 * (b["cpu"] - a["cpu"]) / max(b["t"] - a["t"], 1e-9)


def _get(port: int, path: str, headers=None, timeout=5.0):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def recreate_database(admin_url: str, name: str, env: dict) -> None:
    """Drop and create database ``name`` on the server of ``admin_url``, then migrate it with ``env``."""
    import psycopg2

    admin = psycopg2.connect(admin_url)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        cur.execute(f"CREATE DATABASE {name}")
    admin.close()
    subprocess.run([str(VENV_BIN / "python"), "manage.py", "migrate", "--noinput", "-v", "0"], cwd=MAIN,
                   env={**os.environ, **env}, check=True)


def stop_server(proc: subprocess.Popen) -> None:
    """SIGTERM (gunicorn drains), then the whole process group killed if it has not gone in 20 s."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)


class ServerProcess:
    """A server the bench starts: in a session of its own (its whole group can be killed), its output in a log."""

    def __init__(self, log_path: Path):
        self.log_path = log_path
        self.proc = None

    def _spawn(self, argv, env=None):
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(argv, cwd=MAIN, env=env, stdout=self._log, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def stop(self):
        if self.proc is None:
            return
        stop_server(self.proc)
        self._log.close()
        self.proc = None


class HeldPolls:
    """Waiting for what ``held()`` counts (the polls a server holds) to reach a number."""

    def held(self) -> int:
        raise NotImplementedError

    def wait_held(self, n: int, timeout: float, interval: float = 0.25) -> tuple[int, float]:
        """Wait until ``n`` polls are held; the count reached and the seconds it took."""
        t0 = time.monotonic()
        held, at = self.wait_held_at(n, timeout, interval)
        return held, at - t0

    def wait_held_at(self, n: int, timeout: float, interval: float = 0.25) -> tuple[int, float]:
        """Wait until ``n`` polls are held; the count reached and the instant (time.monotonic()) it was seen."""
        t0 = time.monotonic()
        held = 0
        while time.monotonic() - t0 < timeout:
            try:
                held = self.held()
            except (OSError, http.client.HTTPException):
                pass
            if held >= n:
                break
            time.sleep(interval)
        return held, time.monotonic()


class Server(ServerProcess, HeldPolls):
    """A server under test: one worker, pinned to core 0."""

    kind = ""

    def __init__(self, port: int, log_path: Path):
        super().__init__(log_path)
        self.port = port
        self.worker_pid = None

    def _spawn(self, argv, env=None):
        super()._spawn(["taskset", "-c", "0", *argv], env)

    def _wait_ready(self, timeout=60.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.kind} exited with {self.proc.returncode}; see {self.log_path}")
            try:
                self.held()
                children = psutil.Process(self.proc.pid).children()
                if children:
                    self.worker_pid = children[0].pid
                    return
            except (OSError, ValueError, http.client.HTTPException):
                pass
            time.sleep(0.2)
        raise TimeoutError(f"{self.kind} did not answer within {timeout:.0f}s; see {self.log_path}")

    def worker_alive(self) -> bool:
        try:
            return psutil.Process(self.worker_pid).is_running() and psutil.Process(self.worker_pid).status() != "zombie"
        except psutil.NoSuchProcess:
            return False

    def workers(self) -> list[int]:
        try:
            return [c.pid for c in psutil.Process(self.proc.pid).children()]
        except psutil.NoSuchProcess:
            return []

    def wait_quiet(self, timeout: float = 60.0, window: float = 0.5, below_pct: float = 5.0) -> float:
        """Wait until the worker's CPU stays under ``below_pct`` for ``window`` s: polls counted as held
        may still be doing their first read. The seconds it took."""
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            a = proc_stats(self.worker_pid)
            time.sleep(window)
            if cpu_percent(a, proc_stats(self.worker_pid)) < below_pct:
                break
        return time.monotonic() - t0


class BeaconServer(Server):
    kind = "beacon"

    def __init__(self, port, log_path, *, env: dict, warm_auth: dict, config: str = "gunicorn.conf.py"):
        super().__init__(port, log_path)
        self.config = config
        # Its metrics and health detail answer the operators' token only (common/operator.py).
        self.operator_token = secrets.token_urlsafe(32)
        self._operator = {"Authorization": f"Bearer {self.operator_token}"}
        self.env = {**os.environ, **env, "REALTIME_PORT": str(port), "OPERATOR_TOKEN": self.operator_token}
        self.warm_auth = warm_auth

    def metrics(self) -> dict:
        """/realtime/metrics as {sample name with labels: value} (Prometheus text format)."""
        _, body = _get(self.port, "/realtime/metrics", headers=self._operator, timeout=30)  # a busy worker answers late
        out = {}
        for line in body.decode().splitlines():
            if line and not line.startswith("#"):
                name, _, value = line.rpartition(" ")
                try:
                    out[name] = float(value)
                except ValueError:
                    pass
        return out

    def start(self):
        self._spawn([str(VENV_BIN / "gunicorn"), "--config", self.config], env=self.env)
        self._wait_ready()

    def held(self) -> int:
        _, body = _get(self.port, "/realtime/healthz", headers=self._operator)
        return int(json.loads(body)["held_polls"])

    def warm(self):
        """One short poll: the Redis subscription and the PostgreSQL pool are made before the baseline."""
        status, body = _get(self.port, "/realtime/poll?cursor=0&timeout=0.2", headers=self.warm_auth, timeout=10)
        if status != 200:
            raise RuntimeError(f"Beacon warm-up poll answered {status}: {body[:200]!r}")

    def shm_used_kb(self):
        return None


class NchanServer(Server):
    kind = "nchan"

    def __init__(self, port, log_path, *, run_dir: Path, hold_seconds: int):
        super().__init__(port, log_path)
        self.run_dir = run_dir
        self.hold_seconds = hold_seconds

    def start(self):
        self.run_dir.mkdir(parents=True, exist_ok=True)
        conf = (Path(__file__).with_name("nginx.conf.in").read_text()
                .replace("@RUN@", str(self.run_dir)).replace("@PORT@", str(self.port))
                .replace("@HOLD@", f"{self.hold_whole_seconds()}s"))
        conf_path = self.run_dir / "nginx.conf"
        conf_path.write_text(conf)
        self._spawn(["nginx", "-p", str(self.run_dir), "-c", str(conf_path), "-g", "daemon off;"])
        self._wait_ready()

    def hold_whole_seconds(self) -> int:
        """nchan_subscriber_timeout takes whole seconds."""
        return max(1, round(self.hold_seconds))

    def status(self) -> dict:
        _, body = _get(self.port, "/nchan_status")
        out = {}
        for line in body.decode().splitlines():
            key, _, value = line.partition(":")
            out[key.strip()] = value.strip()
        return out

    def held(self) -> int:
        return int(self.status()["subscribers"])

    def shm_used_kb(self):
        return int(self.status()["shared memory used"].rstrip("K"))

    def warm(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request("POST", "/pub/warmup", body=b'{"seq":0}')
            conn.getresponse().read()
            conn.request("GET", "/sub/warmup")  # the stored message answers at once
            resp = conn.getresponse()
            resp.read()
            if resp.status != 200:
                raise RuntimeError(f"nchan warm-up answered {resp.status}")
        finally:
            conn.close()


class RedisServer(ServerProcess):
    """The bench's own redis-server: no persistence, pinned to ``core``, on a free port."""

    def __init__(self, log_path: Path, core: int):
        super().__init__(log_path)
        self.core = core
        self.port = None

    def start(self):
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.port = free_port()
        self._spawn(["taskset", "-c", str(self.core), binary, "--port", str(self.port), "--bind", "127.0.0.1",
                     "--save", "", "--appendonly", "no", "--maxclients", "1000"])
        import redis

        deadline = time.monotonic() + 20
        while True:
            try:
                redis.Redis(port=self.port).ping()
                return self
            except redis.ConnectionError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"redis-server did not start; see {self.log_path}") from None
                time.sleep(0.1)

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def version(self) -> str:
        import redis

        return redis.Redis(port=self.port).info("server")["redis_version"]

    def cpu_seconds(self) -> float:
        return proc_stats(self.proc.pid)["cpu"]


def gc_pause_metric(metrics: dict) -> dict | None:
    """The worker's garbage-collector passes as /realtime/metrics counts them (realtime/gc_watch.py), all
    generations together: {"count", "buckets": {upper bound in s: passes at most that long}, "max_seconds"}.
    None if the worker does not expose them."""
    count = 0.0
    buckets: dict[float, float] = {}
    longest = None
    for name, value in metrics.items():
        if name.startswith("beacon_realtime_gc_pause_seconds_count"):
            count += value
        elif name.startswith("beacon_realtime_gc_pause_seconds_bucket"):
            le = re.search(r'le="([^"]+)"', name).group(1)
            if le != "+Inf":
                buckets[float(le)] = buckets.get(float(le), 0.0) + value
        elif name.startswith("beacon_realtime_gc_pause_max_seconds"):
            longest = max(longest or 0.0, value)
    if longest is None:
        return None
    return {"count": count, "buckets": buckets, "max_seconds": longest}


def gc_pause_delta(before: dict | None, after: dict | None) -> dict | None:
    """What the metric says of the passes between two scrapes: how many, how many over 10 ms, and the
    upper bound of the longest one's histogram bucket (None: longer than the last bucket)."""
    if not before or not after:
        return None
    passes = after["count"] - before["count"]
    delta = {le: after["buckets"].get(le, 0.0) - before["buckets"].get(le, 0.0) for le in after["buckets"]}
    over_10ms = passes - delta.get(0.01, passes)
    longest_le = None
    if passes:
        fits = [le for le, n in sorted(delta.items()) if n >= passes]
        longest_le = fits[0] if fits else None
    return {"passes": int(passes), "over_10ms": int(over_10ms), "longest_at_most_ms":
            None if longest_le is None else 1000 * longest_le,
            "max_since_start_ms": 1000 * after["max_seconds"]}


def histogram(metrics: dict, name: str) -> dict:
    """A Prometheus histogram from /realtime/metrics as {upper bound in s: cumulative count}, all labels added."""
    out: dict[float, float] = {}
    for sample, value in metrics.items():
        if sample.startswith(name + "_bucket"):
            le = re.search(r'le="([^"]+)"', sample).group(1)
            bound = float("inf") if le == "+Inf" else float(le)
            out[bound] = out.get(bound, 0.0) + value
    return out


def histogram_quantiles(before: dict, after: dict, qs=(0.5, 0.99)) -> dict | None:
    """The upper bound of the bucket each quantile falls in, over what was observed between two scrapes."""
    if not after:
        return None
    delta = {b: after[b] - before.get(b, 0.0) for b in sorted(after)}
    total = delta.get(float("inf"), 0.0)
    if not total:
        return {"count": 0}
    out = {"count": int(total), "last_bound_ms": 1000 * max(b for b in delta if b != float("inf"))}
    for q in qs:
        bound = next(b for b, n in delta.items() if n >= q * total)
        out[f"p{round(q * 100)}_at_most_ms"] = None if bound == float("inf") else 1000 * bound  # None: beyond the last
    return out
