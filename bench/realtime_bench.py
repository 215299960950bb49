"""The realtime benchmark: Beacon's long-poll worker against nginx + nchan (``python -m bench realtime``).

Scenarios, each run on a server started for it (see BENCHMARKS.md for what each column means):
  hold      18,000 polls: the time to accept them all, memory per held poll, idle CPU;
            then events at 1,000/s for 10 s to those users: p99, and Beacon's longest GC pause
  delivery  10,000 held, events to one user each at increasing rates: rate reached, p50/p99, lost
  fanout    one action told to each of 1,000 users (one poll each): until the last poll has it
  repoll    idle re-polls (holds that end with nothing new): worker CPU per re-poll
  twoproc   Beacon only: two realtime processes, each re-poll to either at random,
            events at 1,000/s with 10,000 held: nothing lost or repeated

The whole set runs ``--runs`` times (3 by default; the report gives the spread
of the runs, not the best). A full run takes about 20 minutes on a two-core
machine with nothing else running (the forecast is printed at the start);
``--quick`` (one small run, both servers) about 3. Servers and the bench's own Redis on core 0
(taskset -c 0), the load client and the publishers on core 1. Beacon's events
go through the pipeline's delivery code (bench/publisher.py). Everything runs
on loopback and stops by itself. Raw figures go to bench/out/results-*.json;
the report to BENCHMARKS.md (--quick: bench/out/quick.md).

Before and after: ``--before-commit REV`` runs this benchmark first on REV's
code (bench/before.py: a worktree under /tmp, the current bench/ copied in, the
same .venv; removed afterwards), then here with its results file as
``--before``. By hand, the same steps are:

  git worktree add --detach /tmp/beacon-before <commit>
  cp bench/*.py bench/nginx.conf.in /tmp/beacon-before/bench/ && ln -s "$PWD/.venv" /tmp/beacon-before/.venv
  (cd /tmp/beacon-before && .venv/bin/python -m bench realtime --servers beacon --no-redis-elsewhere \
       --no-profile --out /tmp/before.md)
  .venv/bin/python -m bench realtime --before /tmp/beacon-before/bench/out/results-<stamp>.json

The earlier tree's delivery code is the one its publishers run, so its latency
from ``deliver_many`` is the earlier store's; the *from publish_events* figures
compare the workers alone.
"""

import argparse
import contextlib
import json
import os
import random
import shlex
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench import before, profiles, realtime_plots, realtime_report, sections
from bench.facts import code_state, command_output, machine_facts
from bench.log import log
from bench.proc import LineProc
from bench.quiet import MachineWatch
from bench.quiet import describe as quiet_line
from bench.realtime_figures import number
from bench.servers import (
    MAIN,
    VENV_BIN,
    BeaconServer,
    HeldPolls,
    NchanServer,
    RedisServer,
    cpu_percent,
    free_port,
    gc_pause_delta,
    gc_pause_metric,
    histogram,
    histogram_quantiles,
    proc_stats,
    raise_open_files_limit,
    recreate_database,
)
from bench.stats import percentile

PY = str(VENV_BIN / "python")
OUT = MAIN / "bench" / "out"
SOURCES = [f"127.0.0.{i}" for i in range(2, 10)]
FIRST_USER_ID = 1_000_001  # far from real users
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
SCENARIOS = ("hold", "delivery", "fanout", "repoll", "twoproc")
PACKAGES = ("Django", "gunicorn", "gevent", "greenlet", "redis", "hiredis", "psycopg2-binary", "djangorestframework",
            "py-spy")

FULL = {
    "runs": 3,
    "hold_polls": 18000, "idle_settle": 2.0, "idle_window": 5.0, "hold_rate": 1000, "hold_seconds": 10.0,
    "delivery_polls": 10000, "delivery_rates": [500, 1000, 2000, 3000, 4000], "delivery_seconds": 10.0,
    "fanout_users": 1000, "fanout_trials": 5,
    "repoll_polls": 1000, "repoll_scale": 10, "repoll_warm": 7.0, "repoll_window": 10.0,
    "twoproc_polls": 10000, "twoproc_rate": 1000, "twoproc_seconds": 10.0,
    "profile_seconds": 10.0,
}
QUICK = {
    "runs": 1,
    "hold_polls": 2000, "idle_settle": 1.0, "idle_window": 3.0, "hold_rate": 500, "hold_seconds": 3.0,
    "delivery_polls": 2000, "delivery_rates": [200, 1000], "delivery_seconds": 3.0,
    "fanout_users": 200, "fanout_trials": 2,
    "repoll_polls": 500, "repoll_scale": 10, "repoll_warm": 6.0, "repoll_window": 5.0,
    "twoproc_polls": 2000, "twoproc_rate": 500, "twoproc_seconds": 3.0,
    "profile_seconds": 4.0,
}
# A published event not received this long after its step ended counts as lost.
LOST_AFTER_SECONDS = 10.0
HOLD_SECONDS = 900  # longer than any scenario: polls stay held unless answered
# A step is clean with p99 under this, nothing lost, and at least CLEAN_RATE_SHARE of its rate reached.
CLEAN_P99_MS = 100.0
CLEAN_RATE_SHARE = 0.95
# Past a step this far from clean, higher rates are not tried (they add minutes, not information).
HOPELESS_P99_MS = 2000.0
# Garbage-collector passes of the Beacon worker at least this long are logged (bench/gc_probe_gunicorn.py).
GC_LOG_MS = 1.0


def gc_pauses(log_path, t_from, t_to):
    """The Beacon worker's garbage-collector passes of GC_LOG_MS or more between two instants, by generation."""
    try:
        lines = Path(log_path).read_text(errors="replace").splitlines()
    except OSError:
        return None
    by_gen = {}
    longest = 0.0
    for line in lines:
        if line.startswith("BENCH-GC "):
            _, t, gen, ms, *_ = line.split()
            if t_from <= float(t) <= t_to:
                g = by_gen.setdefault(gen, {"passes": 0, "total_ms": 0.0, "max_ms": 0.0})
                g["passes"] += 1
                g["total_ms"] = round(g["total_ms"] + float(ms), 1)
                g["max_ms"] = max(g["max_ms"], float(ms))
                longest = max(longest, float(ms))
    return {"seconds": round(t_to - t_from, 1), "by_generation": by_gen, "longest_ms": longest,
            "logged_from_ms": GC_LOG_MS}


def servers_facts() -> dict:
    """The machine, and what the servers under test stand on: nginx and nchan, the kernel's backlog and ports."""
    return {
        **machine_facts(PACKAGES),
        "nginx": command_output(["nginx", "-v"]).replace("nginx version: ", ""),
        "nchan": command_output(["dpkg-query", "-W", "-f", "${Version}", "libnginx-mod-nchan"]),
        "somaxconn": Path("/proc/sys/net/core/somaxconn").read_text().strip(),
        "ip_local_port_range": " - ".join(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()),
    }


def expected_minutes(p, scenarios, kinds, profile=True, redis_elsewhere=False) -> float:
    """A rough forecast of the run's length, from what each scenario waits for."""
    # Seconds: a server's start and stop, the client's ramp, then what each scenario waits for
    # (calibrated on --quick runs and on the figures for 18,000 polls).
    per = {
        "hold": 8 + p["hold_polls"] / 2500 + p["idle_settle"] + p["idle_window"] + p["hold_seconds"] + 6,
        "delivery": 6 + p["delivery_polls"] / 2500 + len(p["delivery_rates"]) * (p["delivery_seconds"] + 4),
        "fanout": 4 + p["fanout_users"] / 2500 + p["fanout_trials"] * 2.5,
        "repoll": 5 + p["repoll_warm"] + p["repoll_window"],
        "twoproc": 10 + p["twoproc_polls"] / 2500 + p["twoproc_seconds"] + 5,
    }
    seconds = 0.0
    for kind in kinds:
        for s in scenarios:
            if s == "twoproc" and kind != "beacon":
                continue
            seconds += per[s]
    seconds *= p["runs"]
    seconds += 15 + max(p["hold_polls"], p["delivery_polls"]) / 1500  # database, seeding, auth probe
    if profile and "beacon" in kinds:
        seconds += per["delivery"] / len(p["delivery_rates"]) + per["fanout"]
    if redis_elsewhere and "beacon" in kinds and "delivery" in scenarios:
        seconds += per["delivery"]
    return seconds / 60


class Publishers:
    """One or more publisher processes on core 1; a rate is split among them, each with its own users."""

    def __init__(self, bench, kind, port, tag, count):
        self.procs = []
        for i in range(count):
            cfg = {"kind": kind, "host": "127.0.0.1", "port": port, "actor_id": bench.actor[0]}
            path = bench.dir / f"publisher-{tag}-{i}.json"
            path.write_text(json.dumps(cfg))
            proc = LineProc(["taskset", "-c", "1", PY, "-m", "bench.publisher", str(path)], cwd=MAIN,
                            env={**os.environ, **bench.env}, log_path=bench.dir / f"publisher-{tag}-{i}.log",
                            name=f"publisher {tag}/{i}")
            self.procs.append(proc)
        try:
            for proc in self.procs:
                proc.expect("ready", timeout=60)
        except Exception:
            self.close()
            raise

    def rate(self, rate, seconds, users, seed, path):
        k = len(self.procs)
        parts = []
        for i, proc in enumerate(self.procs):
            part = Path(f"{path}.{i}")
            proc.send({"cmd": "rate", "rate": rate / k, "seconds": seconds, "users": users[i::k],
                       "seed": seed * 10 + i, "path": str(part)})
            parts.append(part)
        done = [proc.expect("rate_done", seconds * 20 + 120)["rate_done"] for proc in self.procs]
        records = []
        for part in parts:
            records += json.loads(part.read_text())
            part.unlink()
        Path(path).write_text(json.dumps(records))
        t_start, t_end = min(d["t_start"] for d in done), max(d["t_end"] for d in done)
        published = sum(d["published"] for d in done)
        lags = sorted(r[2] - r[3] for r in records) or [0.0]
        return {"published": published, "asked": sum(d["asked"] for d in done), "seconds": t_end - t_start,
                "achieved_rate": published / max(t_end - t_start, 1e-9), "t_start": t_start, "t_end": t_end,
                "publishers": k, "calls": sum(d["calls"] for d in done),
                "events_per_call": published / max(1, sum(d["calls"] for d in done)),
                "call_ms_p99": max((d.get("call_ms_p99") or 0) for d in done),
                "lag_p99_ms": 1000 * percentile(lags, 0.99), "lag_max_ms": 1000 * lags[-1],
                "publish_errors": sum(d.get("publish_errors", 0) for d in done),
                "statuses": [d.get("statuses") for d in done]}

    def fanout(self, users, path, seed):
        return self.procs[0].call({"cmd": "fanout", "users": users, "path": str(path), "seed": seed},
                                  "fanout_done", 120)["fanout_done"]

    def close(self):
        for proc in self.procs:
            proc.close()


class Bench:
    def __init__(self, args):
        self.args = args
        self.p = dict(QUICK if args.quick else FULL)
        if args.runs is not None:
            self.p["runs"] = args.runs
        for item in args.set or ():
            key, _, value = item.partition("=")
            if key not in self.p:
                sys.exit(f"--set {item}: no parameter {key!r}; they are {', '.join(self.p)}")
            self.p[key] = json.loads(value)
        self.stamp = time.strftime("%Y%m%d-%H%M%S")
        self.dir = OUT / self.stamp
        self.dir.mkdir(parents=True, exist_ok=True)
        self.database_url = f"postgres://postgres@127.0.0.1:5432/{args.db_name}"
        self.env = {
            "DJANGO_SETTINGS_MODULE": "settings.dev",
            "DEBUG": "false",  # as in production: no query log in the publishers
            "DATABASE_URL": self.database_url,
            "REALTIME_WORKERS": "1",
            "REALTIME_HOLD_SECONDS": str(HOLD_SECONDS),
            "REALTIME_HOLD_JITTER_SECONDS": "0",
            # The load client stands for 18,000 users from 8 loopback addresses: no cap per address.
            "REALTIME_MAX_CONNECTIONS_PER_ADDRESS": "0",
            "LOG_LEVEL": "WARNING",
        }
        self.redis = None
        self.users = []
        self.auth = None
        self.code_states = []  # [server tag, Beacon's code as it was when that server started]
        log(f"output in {self.dir}")

    # -- plumbing
    def start_redis(self, core):
        if self.redis:
            self.redis.stop()
        self.redis = RedisServer(self.dir / f"redis-core{core}.log", core).start()
        self.env["REDIS_URL"] = self.redis.url()
        log(f"the bench's own redis-server on port {self.redis.port}, pinned to core {core}")

    def prepare_database(self, n_users):
        log(f"database {self.args.db_name}: recreate, migrate, {n_users} users with tokens and sessions")
        recreate_database(PG_ADMIN, self.args.db_name, self.env)
        users_path = self.dir / "users.json"
        subprocess.run([PY, "-m", "bench.seed", str(n_users), str(FIRST_USER_ID), str(users_path)], cwd=MAIN,
                       env={**os.environ, **self.env}, check=True)
        self.users = json.loads(users_path.read_text())

    def cursors(self, users) -> dict:
        """Each user's stream position now: a client starts there, so its first poll is held."""
        import psycopg2

        with psycopg2.connect(self.database_url) as conn, conn.cursor() as cur:
            cur.execute("SELECT user_id, last_seq FROM notifications_userstream WHERE user_id = ANY(%s)",
                        ([u[0] for u in users],))
            found = dict(cur.fetchall())
        conn.close()
        return found

    def production_realtime_settings(self) -> dict:
        """The realtime hold, its jitter and the credential cache as they are without the bench's overrides."""
        env = {k: v for k, v in {**os.environ, **self.env}.items() if not k.startswith("REALTIME_")}
        code = ("import json, django; django.setup(); from django.conf import settings as s; "
                "print(json.dumps({k: getattr(s, k) for k in ('REALTIME_HOLD_SECONDS', "
                "'REALTIME_HOLD_JITTER_SECONDS', 'REALTIME_SESSION_CACHE_SECONDS')}))")
        out = subprocess.run([PY, "-c", code], cwd=MAIN, env=env, check=True, capture_output=True, text=True)
        return json.loads(out.stdout.strip().splitlines()[-1])

    def choose_auth(self):
        """Token auth when the realtime process takes it, else the session cookie (said in the report)."""
        for auth in ("token", "session"):
            server = self.beacon(f"auth-probe-{auth}", warm_auth=self.auth_header(auth, self.warm_user))
            try:
                server.start()
                server.warm()
                self.auth = auth
                log(f"Beacon authenticates the bench users by {auth}")
                return
            except RuntimeError as exc:
                log(f"{auth} auth: {exc}")
            finally:
                server.stop()
        raise RuntimeError("Beacon accepted neither a token nor a session")

    @staticmethod
    def auth_header(auth, user):
        if auth == "token":
            return {"Authorization": f"Token {user[1]}"}
        return {"Cookie": f"sessionid={user[2]}"}

    def beacon(self, tag, warm_auth=None, env=None, profile=False):
        if warm_auth is None:
            warm_auth = self.auth_header(self.auth, self.warm_user)
        config = "gunicorn.conf.py" if (self.args.no_gc_probe and not profile) else "python:bench.gc_probe_gunicorn"
        return BeaconServer(free_port(), self.dir / f"beacon-{tag}.log",
                            env={**self.env, "BENCH_GC_LOG_MS": str(GC_LOG_MS), **(env or {})},
                            warm_auth=warm_auth, config=config)

    def nchan(self, tag, hold_seconds=HOLD_SECONDS):
        return NchanServer(free_port(), self.dir / f"nginx-{tag}.log", run_dir=self.dir / f"nginx-{tag}",
                           hold_seconds=hold_seconds)

    def server(self, kind, tag, env=None, hold_seconds=HOLD_SECONDS, profile=False):
        if kind == "beacon":
            self.code_states.append([tag, code_state()])
            server = self.beacon(tag, env=env, profile=profile)
        else:
            server = self.nchan(tag, hold_seconds)
        try:
            server.start()
            server.warm()
        except Exception:
            server.stop()
            raise
        return server

    def poll_targets(self, kind, users):
        if kind == "beacon":
            cursors = self.cursors(users)
            return [[u[0], "".join(f"{k}: {v}" for k, v in self.auth_header(self.auth, u).items()),
                     cursors.get(u[0], 0)] for u in users]
        return [[u[0], str(u[0])] for u in users]  # nchan: the channel id (a fresh nginx has no messages)

    def client(self, kind, ports, users, tag, max_seconds, wait_ramp=True):
        cfg = {"kind": kind, "host": "127.0.0.1", "ports": ports, "sources": SOURCES,
               "polls": self.poll_targets(kind, users), "max_seconds": max_seconds, "connect_concurrency": 200}
        path = self.dir / f"client-{tag}.json"
        path.write_text(json.dumps(cfg))
        client = LineProc(["taskset", "-c", "1", PY, "-m", "bench.client", str(path)], cwd=MAIN,
                          log_path=self.dir / f"client-{tag}.log", name=f"client {tag}")
        if wait_ramp:
            return client, client.expect("ramped", timeout=300)
        return client, None

    def publishers(self, kind, port, tag):
        return Publishers(self, kind, port, tag, self.args.publishers)

    def wait_received(self, client, expected, timeout):
        deadline = time.monotonic() + timeout
        status = client.call({"cmd": "status"}, "status", 30)["status"]
        while status["received"] < expected and time.monotonic() < deadline:
            time.sleep(0.1)
            status = client.call({"cmd": "status"}, "status", 30)["status"]
        return status

    def dump(self, client, tag):
        path = self.dir / f"recv-{tag}.json"
        client.call({"cmd": "dump", "path": str(path)}, "dumped", 60)
        return json.loads(path.read_text())

    def redis_cpu(self):
        return self.redis.cpu_seconds() if self.redis else 0.0

    def rate_step(self, kind, server, client, pubs, users, rate, seconds, seed, tag, received_before):
        """Events at ``rate`` for ``seconds`` to ``users`` (one each): latency, lost, repeated, CPU."""
        server.wait_quiet()
        client.call({"cmd": "collect"}, "collected", 60)
        path = self.dir / f"published-{tag}.json"
        workers = server.workers_of_all() if hasattr(server, "workers_of_all") else [server.worker_pid]
        a = [proc_stats(pid) for pid in workers]
        ra = self.redis_cpu()
        metrics_a = self.metrics(server)
        done = pubs.rate(rate, seconds, [u[0] for u in users], seed, path)
        b = [proc_stats(pid) for pid in workers]
        rb = self.redis_cpu()
        time.sleep(0.5)  # the last answers
        metrics_b = self.metrics(server)
        published = json.loads(path.read_text())
        status = self.wait_received(client, received_before + len(published), LOST_AFTER_SECONDS)
        recv = self.dump(client, tag)
        step = self.delivery_stats(published, recv["recv"])
        step.update({
            "rate": rate, "publisher": done, "reached_share": done["achieved_rate"] / rate,
            "server_cpu_pct": sum(cpu_percent(x, y) for x, y in zip(a, b, strict=True)),
            "redis_cpu_pct": 100.0 * (rb - ra) / max(done["seconds"], 1e-9),
            "client_counts": recv["status"]["counts"], "client_loop_lag_max_ms": status.get("loop_lag_max_ms"),
            "worker_restarted": not server.worker_alive(),
        })
        if kind == "beacon":
            gc_stats = gc_pauses(server.log_path, done["t_start"], done["t_end"] + 0.5)
            if gc_stats:
                step["gc"] = gc_stats
            metric = gc_pause_delta(gc_pause_metric(metrics_a), gc_pause_metric(metrics_b))
            if metric is not None:
                step["gc_metric"] = metric
            name = "beacon_realtime_wakeup_to_answer_seconds"
            wake = histogram_quantiles(histogram(metrics_a, name), histogram(metrics_b, name))
            if wake:
                step["wakeup_to_answer"] = wake
        step["clean"] = (step["lost"] == 0 and step["p99_ms"] is not None and step["p99_ms"] < CLEAN_P99_MS
                         and step["reached_share"] >= CLEAN_RATE_SHARE)
        return step, len(recv["recv"])

    @staticmethod
    def metrics(server) -> dict:
        """The Beacon worker's /realtime/metrics ({} for nchan, or two processes)."""
        if not isinstance(server, BeaconServer):
            return {}
        try:
            return server.metrics()
        except Exception:
            return {}

    @staticmethod
    def delivery_stats(published, recv):
        """Latency from t0 (before deliver_many, resp. the POST) and from t_pub (publish_events started);
        lost, and repeated: an (user, seq) received more than once."""
        first = {}
        dups = 0
        for _idx, user, seq, t in recv:
            key = (user, seq)
            if key in first:
                dups += 1
                first[key] = min(first[key], t)
            else:
                first[key] = t
        lat, lat_pub = [], []
        lost = 0
        wanted = set()
        for user, seq, t0, _sched, t_pub in published:
            wanted.add((user, seq))
            t = first.get((user, seq))
            if t is None:
                lost += 1
            else:
                lat.append(1000 * (t - t0))
                if t_pub is not None:
                    lat_pub.append(1000 * (t - t_pub))
        lat.sort()
        lat_pub.sort()
        def r(v):
            return None if v is None else round(v, 2)
        return {"published": len(published), "received": len(lat), "lost": lost, "duplicates": dups,
                "p50_ms": r(percentile(lat, 0.5)), "p99_ms": r(percentile(lat, 0.99)),
                "max_ms": r(lat[-1] if lat else None),
                "p50_from_publish_ms": r(percentile(lat_pub, 0.5)), "p99_from_publish_ms": r(percentile(lat_pub, 0.99))}

    # -- hold: accept, memory, idle CPU, then events with all of them held
    def hold(self, kind, run):
        n = self.p["hold_polls"]
        users = self.pool[:n]
        tag = f"r{run}-hold-{kind}"
        log(f"hold: {kind}, {n} polls: accept, memory, then {self.p['hold_rate']}/s")
        server = self.server(kind, tag)
        with contextlib.ExitStack() as running:
            running.callback(server.stop)
            time.sleep(1.0)
            base = proc_stats(server.worker_pid)
            base_shm = server.shm_used_kb()
            client, _ = self.client(kind, [server.port], users, tag, max_seconds=600, wait_ramp=False)
            running.callback(client.close)
            held, t_held = server.wait_held_at(n, timeout=180, interval=0.05)
            ramped = client.expect("ramped", timeout=300)
            accept_s = t_held - ramped["t_first_connect"] if held >= n else None
            server.wait_quiet()
            time.sleep(self.p["idle_settle"])
            a = proc_stats(server.worker_pid)
            time.sleep(self.p["idle_window"])
            b = proc_stats(server.worker_pid)
            held_end = server.held()
            shm = server.shm_used_kb()
            row = {
                "n": n, "held": held, "held_end": held_end, "accept_seconds": accept_s,
                "client_ramp_seconds": ramped["seconds"], "client_ramp_cpu_seconds": ramped.get("cpu_seconds"),
                "rss_base_kb": base["VmRSS"], "rss_held_kb": b["VmRSS"],
                "kb_per_poll": (b["VmRSS"] - base["VmRSS"]) / max(held_end, 1),
                "anon_kb_per_poll": (b["RssAnon"] - base["RssAnon"]) / max(held_end, 1),
                "shmem_kb_per_poll": (b["RssShmem"] - base["RssShmem"]) / max(held_end, 1),
                "shm_used_kb_per_poll": None if shm is None else (shm - base_shm) / max(held_end, 1),
                "idle_cpu_pct": cpu_percent(a, b),
            }
            if held_end < n:
                row["broke"] = self.why_short(server, client, n, held_end)
            log(f"  accepted {n} in {number(accept_s)} s; {row['kb_per_poll']:.1f} kB/poll; "
                     f"idle CPU {row['idle_cpu_pct']:.2f}%")
            pubs = self.publishers(kind, server.port, tag)
            running.callback(pubs.close)
            step, _ = self.rate_step(kind, server, client, pubs, users, self.p["hold_rate"], self.p["hold_seconds"],
                                     seed=7 + run, tag=tag, received_before=0)
            row["events"] = step
            log(f"  {n} held, {self.p['hold_rate']}/s (reached {step['publisher']['achieved_rate']:.0f}/s): "
                     f"p99 {step['p99_ms']} ms, lost {step['lost']}"
                     + (f", longest GC pause {step['gc']['longest_ms']:.1f} ms" if step.get("gc") else ""))
            return row

    def why_short(self, server, client, n, held):
        status = client.call({"cmd": "status"}, "status", 30)["status"]
        tail = ""
        try:
            tail = server.log_path.read_text(errors="replace")[-1500:]
        except OSError:
            pass
        return {"wanted": n, "held": held, "client_counts": status.get("counts"),
                "client_connected": status.get("connected"), "server_log_tail": tail}

    # -- delivery
    def delivery(self, kind, run, rates=None, profile=False, label=""):
        rates = rates or self.p["delivery_rates"]
        n = self.p["delivery_polls"]
        users = self.pool[:n]
        tag = f"r{run}-delivery-{kind}{label}" + ("-profile" if profile else "")
        log(f"delivery{label}: {kind}, {n} held, rates {rates}" + (" (py-spy)" if profile else ""))
        server = self.server(kind, tag, profile=profile)
        steps = []
        with contextlib.ExitStack() as running:
            running.callback(server.stop)
            time.sleep(1.0)
            base = proc_stats(server.worker_pid)
            client, _ = self.client(kind, [server.port], users, tag,
                                    max_seconds=180 + len(rates) * (self.p["delivery_seconds"] + 60))
            running.callback(client.close)
            held, _ = server.wait_held(n, timeout=120)
            server.wait_quiet()
            rss_held = proc_stats(server.worker_pid)
            pubs = self.publishers(kind, server.port, tag)
            running.callback(pubs.close)
            received = 0
            for i, rate in enumerate(rates):
                held, _ = server.wait_held(n, timeout=15)
                spy = self.py_spy(server.worker_pid, f"{tag}-{rate}", self.p["profile_seconds"]) if profile else None
                step, received = self.rate_step(kind, server, client, pubs, users, rate, self.p["delivery_seconds"],
                                                seed=1000 + 17 * run + i, tag=f"{tag}-{rate}",
                                                received_before=received)
                step["held_at_start"] = held
                if spy:
                    step["profile"] = self.py_spy_finish(spy)
                steps.append(step)
                log(f"  {rate}/s (reached {step['publisher']['achieved_rate']:.0f}/s): p50 {step['p50_ms']} ms, "
                         f"p99 {step['p99_ms']} ms, lost {step['lost']}, CPU {step['server_cpu_pct']:.0f}%"
                         + (f", GC longest {step['gc']['longest_ms']:.0f} ms" if step.get("gc") else "")
                         + ("" if step["clean"] else " (not clean)"))
                if step["lost"] or (step["p99_ms"] or 0) > HOPELESS_P99_MS:
                    log("  far from clean: higher rates not tried")
                    break
        best = None
        for s in steps:  # the highest rate of an unbroken run of clean steps from the lowest
            if not s["clean"]:
                break
            best = s["rate"]
        return {"held": n, "steps": steps, "best_rate": best, "tested": rates,
                "kb_per_poll": (rss_held["VmRSS"] - base["VmRSS"]) / n}

    # -- fan-out
    def fanout(self, kind, run, profile=False):
        users = self.pool[:self.p["fanout_users"]]
        n = len(users)
        tag = f"r{run}-fanout-{kind}" + ("-profile" if profile else "")
        log(f"fan-out: {kind}, one action to {n} users, one poll each" + (" (py-spy)" if profile else ""))
        server = self.server(kind, tag, profile=profile)
        trials = []
        spy = profile_result = None
        with contextlib.ExitStack() as running:
            running.callback(server.stop)
            client, _ = self.client(kind, [server.port], users, tag, max_seconds=300)
            running.callback(client.close)
            server.wait_held(n, timeout=60)
            pubs = self.publishers(kind, server.port, tag)
            running.callback(pubs.close)
            if profile:
                spy = self.py_spy(server.worker_pid, tag, self.p["fanout_trials"] * 3 + 2)
            received = 0
            for trial in range(self.p["fanout_trials"]):
                held, _ = server.wait_held(n, timeout=15)
                server.wait_quiet()
                client.call({"cmd": "collect"}, "collected", 60)
                path = self.dir / f"published-{tag}-{trial}.json"
                a = proc_stats(server.worker_pid)
                done = pubs.fanout([u[0] for u in users], path, seed=run * 100 + trial)
                self.wait_received(client, received + n, LOST_AFTER_SECONDS)
                b = proc_stats(server.worker_pid)
                published = {(u, s) for u, s, *_ in json.loads(path.read_text())}
                recv = self.dump(client, f"{tag}-{trial}")
                got = sorted(t for _i, u, s, t in recv["recv"] if (u, s) in published)
                received = len(recv["recv"])
                lat = [1000 * (t - done["t0"]) for t in got]
                lat_pub = [1000 * (t - done["t_pub"]) for t in got] if done.get("t_pub") else []
                trials.append({"held": held, "call_ms": done["call_ms"], "events": done["events"],
                               "received": len(got), "missing": n - len(got),
                               "server_cpu_seconds": b["cpu"] - a["cpu"],
                               "p50_ms": percentile(lat, 0.5), "last_ms": lat[-1] if lat else None,
                               "last_from_publish_ms": lat_pub[-1] if lat_pub else None,
                               "statuses": done.get("statuses")})
                time.sleep(0.5)
            if spy:
                profile_result = self.py_spy_finish(spy)
        complete = [t for t in trials if t["missing"] == 0]

        def med(key):
            values = [t[key] for t in complete if t[key] is not None]
            return statistics.median(values) if values else None

        out = {"users": n, "trials": trials, "missing": sum(t["missing"] for t in trials),
               "last_ms_median": med("last_ms"), "last_ms_max": max((t["last_ms"] for t in complete), default=None),
               "last_from_publish_ms_median": med("last_from_publish_ms"), "call_ms_median": med("call_ms"),
               "p50_ms_median": med("p50_ms"),
               "cpu_ms_median": 1000 * statistics.median(t["server_cpu_seconds"] for t in trials) if trials else None}
        if profile_result:
            out["profile"] = profile_result
        log(f"  last poll had it after {number(out['last_ms_median'])} ms (median of {len(trials)}), "
                 f"missing {out['missing']}")
        return out

    # -- idle re-polls
    def repoll(self, kind, run):
        """Holds that end with nothing new, re-polled with the same cursor: the worker's CPU per re-poll.

        The hold, its jitter and the credential cache are the production values divided by repoll_scale,
        so a re-poll meets the credential cache at the same point of its lifetime as in production."""
        prod = self.production
        scale = self.p["repoll_scale"]
        hold, jitter, cache = (prod["REALTIME_HOLD_SECONDS"] / scale, prod["REALTIME_HOLD_JITTER_SECONDS"] / scale,
                               prod["REALTIME_SESSION_CACHE_SECONDS"] / scale)
        n = self.p["repoll_polls"]
        users = self.pool[:n]
        tag = f"r{run}-repoll-{kind}"
        log(f"idle re-polls: {kind}, {n} polls, hold " + (f"{hold:g} s + up to {jitter:g} s, credential cache "
                                                                f"{cache:g} s" if kind == "beacon" else
                                                                f"{max(1, round(hold))} s"))
        env = {"REALTIME_HOLD_SECONDS": str(hold), "REALTIME_HOLD_JITTER_SECONDS": str(jitter),
               "REALTIME_SESSION_CACHE_SECONDS": str(cache)}
        server = self.server(kind, tag, env=env, hold_seconds=hold)
        with contextlib.ExitStack() as running:
            running.callback(server.stop)
            client, _ = self.client(kind, [server.port], users, tag, max_seconds=300)
            running.callback(client.close)
            server.wait_held(n, timeout=60)
            time.sleep(self.p["repoll_warm"])
            client.call({"cmd": "collect"}, "collected", 60)
            c_a = client.call({"cmd": "status"}, "status", 30)["status"]["counts"]
            a, ra, pa = proc_stats(server.worker_pid), self.redis_cpu(), self.pg_counters()
            time.sleep(self.p["repoll_window"])
            b, rb, pb = proc_stats(server.worker_pid), self.redis_cpu(), self.pg_counters()
            status = client.call({"cmd": "status"}, "status", 30)["status"]
            c_b = status["counts"]
        keys = ("answers_empty",) if kind == "beacon" else ("answers_408", "answers_304")
        repolls = sum(c_b.get(k, 0) - c_a.get(k, 0) for k in keys)
        events = c_b.get("answers_with_events", 0) - c_a.get("answers_with_events", 0)
        cpu = b["cpu"] - a["cpu"]
        if kind == "nchan":
            hold, jitter, cache = server.hold_whole_seconds(), 0.0, None
        out = {"polls": n, "hold_seconds": hold, "jitter_seconds": jitter, "cache_seconds": cache,
               "window_seconds": b["t"] - a["t"], "repolls": repolls, "answers_with_events": events,
               "repolls_per_second": repolls / max(b["t"] - a["t"], 1e-9), "worker_cpu_seconds": cpu,
               "cpu_ms_per_repoll": 1000 * cpu / repolls if repolls else None,
               "redis_cpu_ms_per_repoll": 1000 * (rb - ra) / repolls if repolls and kind == "beacon" else None,
               "errors": {k: v for k, v in c_b.items() if k.startswith(("status_", "connect", "connection"))},
               "client_loop_lag_max_ms": status.get("loop_lag_max_ms")}
        if kind == "beacon" and pa and pb:
            out["pg_xacts_per_repoll"] = (pb["xacts"] - pa["xacts"]) / repolls if repolls else None
        log(f"  {repolls} re-polls in {out['window_seconds']:.0f} s: {number(out['cpu_ms_per_repoll'], 3)} ms of "
                 f"worker CPU each" + (f", {number(out.get('pg_xacts_per_repoll'), 2)} PostgreSQL transactions each"
                                      if kind == "beacon" else ""))
        return out

    def pg_counters(self):
        """Committed transactions in the bench database (pg_stat_database, flushed within a second)."""
        import psycopg2

        try:
            conn = psycopg2.connect(PG_ADMIN)
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute("SELECT pg_stat_force_next_flush()")
                cur.execute("SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = %s",
                            (self.args.db_name,))
                xacts = cur.fetchone()[0]
            conn.close()
            return {"xacts": xacts}
        except Exception:
            return None

    # -- two realtime processes, each re-poll to either at random
    def twoproc(self, run):
        n = self.p["twoproc_polls"]
        users = self.pool[:n]
        tag = f"r{run}-twoproc-beacon"
        rate = self.p["twoproc_rate"]
        log(f"two realtime processes: {n} polls, each re-poll to either at random, {rate}/s")
        servers = []
        with contextlib.ExitStack() as running:
            for i in (1, 2):
                servers.append(self.server("beacon", f"{tag}-{i}"))
                running.callback(servers[-1].stop)
            pair = ServerPair(servers)
            client, _ = self.client("beacon", [s.port for s in servers], users, tag, max_seconds=300)
            running.callback(client.close)
            held, _ = pair.wait_held(n, timeout=120)
            held_each = [s.held() for s in servers]
            pubs = self.publishers("beacon", servers[0].port, tag)
            running.callback(pubs.close)
            step, _ = self.rate_step("beacon", pair, client, pubs, users, rate, self.p["twoproc_seconds"],
                                     seed=31 + run, tag=tag, received_before=0)
            recv = self.dump(client, f"{tag}-final")
        gaps = self.gaps(json.loads((self.dir / f"published-{tag}.json").read_text()), recv["recv"])
        out = {"polls": n, "held_at_start": held, "held_each": held_each, "step": step, **gaps,
               "switched_server": recv["status"]["counts"].get("switched_server", 0)}
        log(f"  reached {step['publisher']['achieved_rate']:.0f}/s; lost {step['lost']}, repeated "
                 f"{step['duplicates']}, out of order {gaps['out_of_order']}; p99 {step['p99_ms']} ms; "
                 f"{out['switched_server']} re-polls moved to the other process")
        return out

    @staticmethod
    def gaps(published, recv):
        """Per user: the seqs received in the order received must be the published ones, increasing."""
        last = {}
        out_of_order = 0
        for _i, user, seq, _t in recv:
            if user in last and seq <= last[user]:
                out_of_order += 1
            last[user] = max(seq, last.get(user, 0))
        users = {u for u, *_ in published}
        return {"users_with_events": len(users), "out_of_order": out_of_order}

    # -- py-spy on the Beacon worker
    def py_spy(self, pid, tag, seconds):
        if not (VENV_BIN / "py-spy").exists():
            log("py-spy is not installed in .venv (pip install py-spy): no profile")
            return None
        raw = self.dir / f"py-spy-{tag}.txt"
        argv = [str(VENV_BIN / "py-spy"), "record", "--pid", str(pid), "--duration", str(int(seconds) + 1),
                "--rate", "250", "--format", "raw", "--output", str(raw)]
        proc = subprocess.Popen(["taskset", "-c", "1", *argv], stdout=subprocess.DEVNULL,
                                stderr=open(self.dir / f"py-spy-{tag}.log", "wb"))
        time.sleep(0.5)
        return proc, raw

    def py_spy_finish(self, spy):
        proc, raw = spy
        try:
            proc.wait(120)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        return profiles.summarize(raw)

    # -- the whole run
    def run(self):
        scenarios = [s for s in self.args.only.split(",") if s]
        kinds = self.args.servers.split(",")
        unknown = set(scenarios) - set(SCENARIOS)
        if unknown:
            sys.exit(f"unknown scenario(s) {sorted(unknown)}; choose from {', '.join(SCENARIOS)}")
        if "nchan" in kinds and (shutil.which("nginx") is None
                                 or not Path("/usr/lib/nginx/modules/ngx_nchan_module.so").exists()):
            sys.exit("nginx with nchan is missing: apt-get install -y nginx-light libnginx-mod-nchan "
                     "(and stop the nginx service if it was started)")
        p = self.p
        forecast = expected_minutes(p, scenarios, kinds, not self.args.no_profile, self.args.redis_elsewhere)
        log(f"{p['runs']} run(s) of {', '.join(scenarios)} on {', '.join(kinds)}: expected about "
                 f"{forecast:.0f} min")
        need = {"hold": p["hold_polls"], "delivery": p["delivery_polls"], "fanout": p["fanout_users"],
                "repoll": p["repoll_polls"], "twoproc": p["twoproc_polls"]}
        n_pool = max(need[s] for s in scenarios)
        results = {"meta": servers_facts(), "params": p, "command": self.args.command,
                   "hold_seconds": HOLD_SECONDS, "lost_after_seconds": LOST_AFTER_SECONDS,
                   "clean": {"p99_ms": CLEAN_P99_MS, "rate_share": CLEAN_RATE_SHARE},
                   "publishers": self.args.publishers, "forecast_minutes": forecast,
                   "runs": [], "extra": {}, "profiles": {}}
        if self.args.before:
            results["before"] = load_before(self.args.before)
        results["meta"]["loadavg_start"] = os.getloadavg()
        watch = MachineWatch(databases=[self.args.db_name, "postgres"], pg_dsn=PG_ADMIN)
        results["machine_before"] = watch.wait_until_quiet(log=log)
        watch.start()
        started = time.monotonic()
        self.start_redis(0)
        results["meta"]["redis"] = self.redis.version()
        results["redis_core"] = 0
        try:
            if "beacon" in kinds:
                self.prepare_database(n_pool + 2)
                self.actor, self.warm_user = self.users[0], self.users[1]
                self.pool = self.users[2:]
                self.choose_auth()
                results["auth"] = self.auth
                if "repoll" in scenarios:
                    self.production = self.production_realtime_settings()
                    results["production_realtime"] = self.production
            else:
                self.pool = [[FIRST_USER_ID + i, "", ""] for i in range(n_pool)]
                self.actor = self.warm_user = [0, "", ""]
                self.production = {"REALTIME_HOLD_SECONDS": 25.0, "REALTIME_HOLD_JITTER_SECONDS": 5.0,
                                   "REALTIME_SESSION_CACHE_SECONDS": 30.0}
            results_path = OUT / f"results-{self.stamp}.json"

            def save():
                results["elapsed_seconds"] = time.monotonic() - started
                results["beacon_code"] = self.code_states
                for path in (results_path, *([Path(self.args.results_json)] if self.args.results_json else [])):
                    path.write_text(json.dumps(results, indent=1))

            for run in range(1, p["runs"] + 1):
                log(f"== run {run} of {p['runs']}")
                this = {s: {} for s in scenarios}
                results["runs"].append(this)
                for kind in kinds:
                    for s in scenarios:
                        if s == "twoproc":
                            if kind == "beacon":
                                this[s]["beacon"] = self.twoproc(run)
                        else:
                            this[s][kind] = getattr(self, s)(kind, run)
                        save()
            if self.args.redis_elsewhere and "beacon" in kinds and "delivery" in scenarios:
                self.start_redis(1)
                results["extra"]["delivery_redis_core1"] = self.delivery("beacon", 0, label="-redis-core1")
                save()
                self.start_redis(0)
            if "beacon" in kinds and not self.args.no_profile:
                self.profile_misses(results, scenarios)
            results["meta"]["loadavg_end"] = os.getloadavg()
            results["machine"] = watch.stop()
            if not results["machine"]["quiet"]:
                log(f"WARNING: {quiet_line(results['machine'])}")
            save()
        finally:
            if self.redis:
                self.redis.stop()
        out = (Path(self.args.out) if self.args.out
               else (OUT / "quick.md" if self.args.quick else MAIN / "BENCHMARKS.md"))
        sections.write_section(out, "realtime", realtime_report.render(results, results_path,
                                                                       realtime_plots.draw(results, out)))
        log(f"report: {out}; raw figures: {results_path}; {results['elapsed_seconds'] / 60:.1f} min "
                 f"(forecast {forecast:.0f} min)")

    def profile_misses(self, results, scenarios):
        """py-spy on the Beacon worker in a scenario whose target it missed (a separate, extra run)."""
        last = results["runs"][-1]
        delivery = last.get("delivery", {}).get("beacon")
        if delivery and (delivery["best_rate"] or 0) < 2000:
            bad = [s["rate"] for s in delivery["steps"] if not s["clean"]]
            rate = bad[0] if bad else max(delivery["tested"])
            results["profiles"]["delivery"] = {
                "rate": rate, "steps": self.delivery("beacon", 0, rates=[rate], profile=True)["steps"]}
        fan = last.get("fanout", {}).get("beacon")
        if fan and (fan["last_ms_median"] is None or fan["last_ms_median"] >= 100):
            results["profiles"]["fanout"] = self.fanout("beacon", 0, profile=True)


class ServerPair(HeldPolls):
    """Two Beacon servers seen as one for a rate step: held polls added up, both workers' CPU."""

    def __init__(self, servers):
        self.servers = servers
        self.log_path = servers[0].log_path

    def held(self):
        return sum(s.held() for s in self.servers)

    def wait_quiet(self):
        for s in self.servers:
            s.wait_quiet()

    def workers_of_all(self):
        return [s.worker_pid for s in self.servers]

    def worker_alive(self):
        return all(s.worker_alive() for s in self.servers)


def load_before(path) -> dict:
    """The Beacon side of an earlier run, to show beside this one."""
    old = json.loads(Path(path).read_text())
    return {"path": str(path), "command": old.get("command"), "beacon_code": old.get("beacon_code"),
            "params": old.get("params"),
            "runs": [{s: {"beacon": kinds["beacon"]} for s, kinds in run.items() if "beacon" in kinds}
                     for run in old.get("runs", [])]}


def realtime_main(argv, word):
    parser = argparse.ArgumentParser(prog="python -m bench realtime", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smaller N, shorter windows, one run: to try things")
    parser.add_argument("--runs", type=int, help="how many times the whole set runs (default 3; --quick: 1)")
    parser.add_argument("--only", default=",".join(SCENARIOS), help="comma list of scenarios")
    parser.add_argument("--servers", default="beacon,nchan", help="comma list: beacon,nchan")
    parser.add_argument("--publishers", type=int, default=2,
                        help="publisher processes sharing a rate, each with its own users (as the pipeline's Celery "
                             "worker has 2); the same for nchan")
    parser.add_argument("--redis-elsewhere", action=argparse.BooleanOptionalAction,
                        help="after the runs, one more Beacon delivery run with the bench's Redis on core 1, "
                             "labelled as such (default: on, but not with --quick)")
    parser.add_argument("--no-profile", action="store_true", help="no py-spy pass when Beacon misses a target")
    parser.add_argument("--no-gc-probe", action="store_true",
                        help="Beacon with gunicorn.conf.py alone (no GC pauses from bench/gc_probe_gunicorn.py)")
    parser.add_argument("--set", action="append", metavar="KEY=JSON",
                        help="change one parameter of the run, e.g. --set hold_polls=18000 --set "
                             "'delivery_rates=[1000,2000]' (the report shows them all)")
    parser.add_argument("--db-name", default="beacon_bench", help="the PostgreSQL database the bench remakes")
    parser.add_argument("--out", help="report path (default BENCHMARKS.md; --quick: bench/out/quick.md)")
    parser.add_argument("--render", metavar="RESULTS_JSON", help="only write the report again from a results file")
    parser.add_argument("--before", metavar="RESULTS_JSON",
                        help="a results file of the same benchmark on Beacon's code before the work measured: its "
                             "Beacon figures go in a 'Beacon before' column of the summary (see BENCHMARKS.md)")
    before.add_options(parser, before_results=False)
    args = parser.parse_args(argv)
    realtime_plots.require_matplotlib()
    if args.redis_elsewhere is None:
        args.redis_elsewhere = not args.quick
    if args.render:
        results = json.loads(Path(args.render).read_text())
        if args.before:
            results["before"] = load_before(args.before)
            Path(args.render).write_text(json.dumps(results, indent=1))
        out = Path(args.out) if args.out else MAIN / "BENCHMARKS.md"
        sections.write_section(out, "realtime", realtime_report.render(results, Path(args.render).resolve(),
                                                                       realtime_plots.draw(results, out)))
        print(f"report: {out}")
        return
    args.command = " ".join([f".venv/bin/python -m bench {word}".strip(), *map(shlex.quote, argv)])
    if args.before_commit:
        # The earlier code first (bench/before.py), its results file as --before would name it.
        _, args.before = before.run_kept(args.before_commit, "realtime", argv, (*before.OWN_OPTIONS, "--before"))
    random.seed(1)
    raise_open_files_limit()
    Bench(args).run()
