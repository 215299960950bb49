"""Beacon's benchmarks: ``.venv/bin/python -m bench [list|realtime] [options]``.

  python -m bench            both: the notification list (bench/notification_list.py), then the realtime one
  python -m bench list       only the notification list under 1,000,000 rows (``list --help``)
  python -m bench realtime   only the long-poll endpoint against nginx + nchan (the options below)
  python -m bench drills     the fault drills at 300 actions, into RELIABILITY.md (bench/drills.py)
  python -m bench digest     one email digest run for 10,000 users through a local SMTP server (bench/digest.py)
  python -m bench graph      the graph page with 1,000 and 10,000 nodes in Chromium (bench/graph_drawing.py)

Each writes its own section of BENCHMARKS.md and keeps the other's (bench/sections.py).

The realtime benchmark: Beacon's long-poll endpoint against nginx + nchan.

Scenarios (see BENCHMARKS.md for what each column means):
  idle      N held polls in one worker: memory per held poll, idle CPU
  delivery  10,000 held, single-user publishes at increasing rates: p50/p99, lost
  fanout    one event to each of 1,000 users (1 and 3 polls each): time until the last poll has it

Servers on core 0 (taskset -c 0), the load client and the publisher on core 1.
Everything runs on loopback and stops by itself. Raw figures go to
bench/out/results-*.json; the report to BENCHMARKS.md (--quick: bench/out/quick.md).
"""

import argparse
import importlib
import json
import os
import random
import shlex
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench import notification_list, report, sections
from bench.proc import LineProc
from bench.servers import (
    MAIN,
    VENV_BIN,
    BeaconServer,
    NchanServer,
    cpu_percent,
    proc_stats,
    raise_open_files_limit,
    recreate_database,
)

PY = str(VENV_BIN / "python")
OUT = MAIN / "bench" / "out"
SOURCES = [f"127.0.0.{i}" for i in range(2, 10)]
FIRST_USER_ID = 1_000_001  # far from real users, should a dev server share the Redis server's channels
DB_NAME = "beacon_bench"
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"

FULL = {
    "idle_ns": [1000, 5000, 10000, 18000], "idle_settle": 3.0, "idle_window": 10.0,
    "delivery_polls": 10000, "delivery_rates": [100, 500, 1000, 2000, 4000], "delivery_seconds": 10.0,
    "fanout_users": 1000, "fanout_trials": 5,
    "profile_seconds": 10.0,
}
QUICK = {
    "idle_ns": [500, 2000], "idle_settle": 2.0, "idle_window": 4.0,
    "delivery_polls": 2000, "delivery_rates": [100, 500, 1000], "delivery_seconds": 3.0,
    "fanout_users": 200, "fanout_trials": 2,
    "profile_seconds": 4.0,
}
# A published event not received this long after its step ended counts as lost.
LOST_AFTER_SECONDS = 10.0
HOLD_SECONDS = 900  # longer than any scenario: polls stay held unless answered


def gc_pauses(log_path, t_from, t_to):
    """The Beacon worker's garbage-collector passes of 5 ms or more between two instants (--diag-gc runs)."""
    passes = []
    try:
        lines = Path(log_path).read_text(errors="replace").splitlines()
    except OSError:
        return None
    for line in lines:
        if line.startswith("BENCH-GC "):
            _, t, gen, ms, *_ = line.split()
            if t_from <= float(t) <= t_to:
                passes.append((gen, float(ms)))
    if not passes:
        return None
    by_gen = {}
    for gen, ms in passes:
        g = by_gen.setdefault(gen, {"passes": 0, "total_ms": 0.0, "max_ms": 0.0})
        g["passes"] += 1
        g["total_ms"] = round(g["total_ms"] + ms, 1)
        g["max_ms"] = max(g["max_ms"], ms)
    return {"seconds": round(t_to - t_from, 1), "by_generation": by_gen}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(sorted_values, q):
    if not sorted_values:
        return None
    return sorted_values[min(len(sorted_values) - 1, int(round(q * (len(sorted_values) - 1))))]


class Bench:
    def __init__(self, args):
        self.args = args
        self.p = QUICK if args.quick else FULL
        self.stamp = time.strftime("%Y%m%d-%H%M%S")
        self.dir = OUT / self.stamp
        self.dir.mkdir(parents=True, exist_ok=True)
        self.redis_url = f"redis://127.0.0.1:6379/{args.redis_db}"
        self.database_url = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
        self.env = {
            "DJANGO_SETTINGS_MODULE": "settings.dev",
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "REALTIME_WORKERS": "1",
            "REALTIME_HOLD_SECONDS": str(HOLD_SECONDS),
            "REALTIME_HOLD_JITTER_SECONDS": "0",
            "LOG_LEVEL": "WARNING",
        }
        self.users = []
        self.auth = None
        self.code_states = []  # [server tag, Beacon's code as it was when that server started]
        self.log(f"output in {self.dir}")

    # -- plumbing
    def log(self, msg):
        print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)

    def take(self, n):
        taken, self.users = self.users[:n], self.users[n:]
        if len(taken) < n:
            raise RuntimeError("not enough bench users seeded")
        return taken

    def prepare_database(self, n_users):
        self.log(f"database {DB_NAME}: recreate, migrate, {n_users} users with tokens and sessions")
        recreate_database(PG_ADMIN, DB_NAME, self.env)
        env = {**os.environ, **self.env}
        users_path = self.dir / "users.json"
        subprocess.run([PY, "-m", "bench.seed", str(n_users), str(FIRST_USER_ID), str(users_path)], cwd=MAIN,
                       env=env, check=True)
        self.users = json.loads(users_path.read_text())
        import redis
        redis.Redis.from_url(self.redis_url).flushdb()

    def choose_auth(self):
        """Token auth when the realtime process takes it, else the session cookie (said in the report)."""
        user = self.take(1)[0]
        for auth in ("token", "session"):
            server = self.beacon(f"auth-probe-{auth}", warm_auth=self.auth_header(auth, user))
            try:
                server.start()
                server.warm()
                self.auth = auth
                self.log(f"Beacon authenticates the bench users by {auth}")
                return
            except RuntimeError as exc:
                self.log(f"{auth} auth: {exc}")
            finally:
                server.stop()
        raise RuntimeError("Beacon accepted neither a token nor a session")

    @staticmethod
    def auth_header(auth, user):
        if auth == "token":
            return {"Authorization": f"Token {user[1]}"}
        return {"Cookie": f"sessionid={user[2]}"}

    def beacon(self, tag, warm_auth=None, diag=False):
        if warm_auth is None:
            warm_auth = self.auth_header(self.auth, self.warm_user)
        config = "python:bench.gc_probe_gunicorn" if (diag or self.args.diag_gc) else "gunicorn.conf.py"
        return BeaconServer(free_port(), self.dir / f"beacon-{tag}.log", env=self.env, warm_auth=warm_auth,
                            config=config)

    def nchan(self, tag):
        return NchanServer(free_port(), self.dir / f"nginx-{tag}.log", run_dir=self.dir / f"nginx-{tag}",
                           hold_seconds=HOLD_SECONDS)

    def server(self, kind, tag, diag=False):
        if kind == "beacon":
            self.code_states.append([tag, report.beacon_code_state()])
        server = self.beacon(tag, diag=diag) if kind == "beacon" else self.nchan(tag)
        server.start()
        server.warm()
        return server

    def poll_targets(self, kind, users, per_user=1):
        polls = []
        for user in users:
            if kind == "beacon":
                header = self.auth_header(self.auth, user)
                line = "".join(f"{k}: {v}" for k, v in header.items())
            else:
                line = str(user[0])  # the nchan channel id
            polls += [[user[0], line]] * per_user
        return polls

    def client(self, kind, server, polls, tag, max_seconds):
        cfg = {"kind": kind, "host": "127.0.0.1", "port": server.port, "sources": SOURCES, "polls": polls,
               "max_seconds": max_seconds, "connect_concurrency": 200}
        path = self.dir / f"client-{tag}.json"
        path.write_text(json.dumps(cfg))
        client = LineProc(["taskset", "-c", "1", PY, "-m", "bench.client", str(path)], cwd=MAIN,
                          log_path=self.dir / f"client-{tag}.log", name=f"client {tag}")
        ramped = client.expect("ramped", timeout=300)
        return client, ramped

    def publisher(self, kind, server, tag):
        cfg = {"kind": kind, "host": "127.0.0.1", "port": server.port, "redis_url": self.redis_url,
               "dsn": self.database_url}
        path = self.dir / f"publisher-{tag}.json"
        path.write_text(json.dumps(cfg))
        pub = LineProc(["taskset", "-c", "1", PY, "-m", "bench.publisher", str(path)], cwd=MAIN,
                       log_path=self.dir / f"publisher-{tag}.log", name=f"publisher {tag}")
        pub.expect("ready", timeout=30)
        return pub

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

    # -- 1. idle hold
    def idle(self, kind):
        users = self.idle_users
        rows = []
        for n in self.p["idle_ns"]:
            tag = f"idle-{kind}-{n}"
            self.log(f"idle: {kind}, {n} held polls")
            server = self.server(kind, tag)
            client = None
            try:
                time.sleep(1.0)
                base = proc_stats(server.worker_pid)
                base_shm = server.shm_used_kb()
                client, ramped = self.client(kind, server, self.poll_targets(kind, users[:n]), tag,
                                             max_seconds=300)
                held, ramp_s = server.wait_held(n, timeout=60)
                quiet_s = server.wait_quiet()
                time.sleep(self.p["idle_settle"])
                a = proc_stats(server.worker_pid)
                time.sleep(self.p["idle_window"])
                b = proc_stats(server.worker_pid)
                held_end = server.held()
                shm = server.shm_used_kb()
                status = client.call({"cmd": "status"}, "status", 30)["status"]
                row = {
                    "n": n, "held": held, "held_end": held_end, "ramp_seconds": ramped["seconds"],
                    "held_after_seconds": ramp_s, "quiet_after_seconds": quiet_s, "rss_base_kb": base["VmRSS"], "rss_held_kb": b["VmRSS"],
                    "base": base, "held_stats": b,
                    "kb_per_poll": (b["VmRSS"] - base["VmRSS"]) / max(held_end, 1),
                    "anon_kb_per_poll": (b["RssAnon"] - base["RssAnon"]) / max(held_end, 1),
                    "shmem_kb_per_poll": (b["RssShmem"] - base["RssShmem"]) / max(held_end, 1),
                    "shm_used_kb_per_poll": None if shm is None else (shm - base_shm) / max(held_end, 1),
                    "idle_cpu_pct": cpu_percent(a, b), "window_seconds": b["t"] - a["t"],
                    "client": status, "worker_restarted": not server.worker_alive(),
                }
                if held_end < n:
                    row["broke"] = self.why_short(server, status, n, held_end)
                rows.append(row)
                self.log(f"  held {held_end}/{n}: {row['kb_per_poll']:.1f} kB/poll, "
                         f"idle CPU {row['idle_cpu_pct']:.2f}%")
            finally:
                if client:
                    client.close()
                server.stop()
        return rows

    def why_short(self, server, client_status, n, held):
        tail = ""
        try:
            tail = server.log_path.read_text(errors="replace")[-1500:]
        except OSError:
            pass
        return {"wanted": n, "held": held, "client_counts": client_status.get("counts"),
                "client_connected": client_status.get("connected"), "server_log_tail": tail}

    # -- 2. delivery
    def delivery(self, kind, rates=None, profile=False):
        rates = rates or self.p["delivery_rates"]
        users = self.delivery_users if not profile else self.profile_users
        n = len(users)
        tag = f"delivery-{kind}" + ("-profile" if profile else "")
        self.log(f"delivery: {kind}, {n} held, rates {rates}" + (" (py-spy)" if profile else ""))
        server = self.server(kind, tag, diag=profile)
        client = pub = None
        steps = []
        try:
            client, _ramped = self.client(kind, server, self.poll_targets(kind, users), tag,
                                         max_seconds=120 + len(rates) * (self.p["delivery_seconds"] + 40))
            held, _ = server.wait_held(n, timeout=60)
            pub = self.publisher(kind, server, tag)
            user_ids = [u[0] for u in users]
            published_total = 0
            for i, rate in enumerate(rates):
                held, _ = server.wait_held(n, timeout=15)
                server.wait_quiet()
                spy = None
                if profile:
                    spy = self.py_spy(server.worker_pid, f"{tag}-{rate}", self.p["profile_seconds"])
                a = proc_stats(server.worker_pid)
                path = self.dir / f"published-{tag}-{rate}.json"
                done = pub.call({"cmd": "rate", "rate": rate, "seconds": self.p["delivery_seconds"],
                                 "users": user_ids, "seed": 1000 + i, "path": str(path)},
                                "rate_done", self.p["delivery_seconds"] * 20 + 120)["rate_done"]
                b = proc_stats(server.worker_pid)
                published_total += done["published"]
                self.wait_received(client, published_total, LOST_AFTER_SECONDS)
                recv = self.dump(client, f"{tag}-{rate}")
                step = self.delivery_stats(json.loads(path.read_text()), recv["recv"])
                step.update({"rate": rate, "held_at_start": held, "server_cpu_pct": cpu_percent(a, b),
                             "publisher": done, "client_counts": recv["status"]["counts"],
                             "worker_restarted": not server.worker_alive()})
                if spy:
                    step["profile"] = self.py_spy_finish(spy)
                gc_stats = gc_pauses(server.log_path, done["t_start"], time.monotonic())
                if gc_stats:
                    step["gc"] = gc_stats
                steps.append(step)
                self.log(f"  {rate}/s (achieved {done['achieved_rate']:.0f}/s): p50 {step['p50_ms']} ms, "
                         f"p99 {step['p99_ms']} ms, lost {step['lost']}, CPU {step['server_cpu_pct']:.0f}%")
        finally:
            if pub:
                pub.close()
            if client:
                client.close()
            server.stop()
        ok = [s["rate"] for s in steps if s["lost"] == 0 and s["p99_ms"] is not None and s["p99_ms"] < 100]
        # The highest rate of an unbroken run of good steps from the lowest.
        best = None
        for s in steps:
            if s["rate"] in ok:
                best = s["rate"]
            else:
                break
        return {"held": n, "steps": steps, "best_rate": best}

    @staticmethod
    def delivery_stats(published, recv):
        first = {}
        dups = 0
        for _idx, user, seq, t in recv:
            key = (user, seq)
            if key in first:
                dups += 1
                first[key] = min(first[key], t)
            else:
                first[key] = t
        lat = []
        lost = 0
        for user, seq, t0, _sched in published:
            t = first.get((user, seq))
            if t is None:
                lost += 1
            else:
                lat.append(1000 * (t - t0))
        lat.sort()
        r = lambda v: None if v is None else round(v, 2)  # noqa: E731
        return {"published": len(published), "received": len(lat), "lost": lost, "duplicates": dups,
                "p50_ms": r(pct(lat, 0.5)), "p99_ms": r(pct(lat, 0.99)), "max_ms": r(lat[-1] if lat else None)}

    # -- 3. fan-out
    def fanout(self, kind, per_user, profile=False):
        users = self.fanout_users[per_user]
        n_polls = len(users) * per_user
        tag = f"fanout{per_user}-{kind}" + ("-profile" if profile else "")
        self.log(f"fan-out: {kind}, {len(users)} users x {per_user} poll(s)" + (" (py-spy)" if profile else ""))
        server = self.server(kind, tag, diag=profile)
        client = pub = None
        trials = []
        try:
            client, _ramped = self.client(kind, server, self.poll_targets(kind, users, per_user), tag,
                                         max_seconds=300)
            held, _ = server.wait_held(n_polls, timeout=60)
            pub = self.publisher(kind, server, tag)
            user_ids = [u[0] for u in users]
            spy = None
            if profile:
                spy = self.py_spy(server.worker_pid, tag, self.p["fanout_trials"] * 3 + 2)
            for trial in range(self.p["fanout_trials"]):
                held, _ = server.wait_held(n_polls, timeout=15)
                server.wait_quiet()
                path = self.dir / f"published-{tag}-{trial}.json"
                a = proc_stats(server.worker_pid)
                done = pub.call({"cmd": "fanout", "users": user_ids, "path": str(path)}, "fanout_done",
                                120)["fanout_done"]
                self.wait_received(client, (trial + 1) * n_polls, LOST_AFTER_SECONDS)
                b = proc_stats(server.worker_pid)
                trials.append({"t0": done["t0"], "publish_call_ms": done["publish_call_ms"], "held": held,
                               "seq": trial + 1, "server_cpu_seconds": b["cpu"] - a["cpu"],
                               "statuses": done.get("statuses")})
                time.sleep(1.0)
            recv = self.dump(client, tag)
            if spy:
                profile_result = self.py_spy_finish(spy)
            gc_stats = gc_pauses(server.log_path, trials[0]["t0"] if trials else 0, time.monotonic())
        finally:
            if pub:
                pub.close()
            if client:
                client.close()
            server.stop()
        for trial in trials:
            lat = sorted(1000 * (t - trial["t0"]) for _i, _u, seq, t in recv["recv"] if seq == trial["seq"])
            trial.update({"received": len(lat), "missing": n_polls - len(lat),
                          "first_ms": lat[0] if lat else None, "p50_ms": pct(lat, 0.5),
                          "last_ms": lat[-1] if lat else None})
        lasts = [t["last_ms"] for t in trials if t["last_ms"] is not None and t["missing"] == 0]
        out = {"users": len(users), "polls_per_user": per_user, "polls": n_polls, "trials": trials,
               "last_ms_median": statistics.median(lasts) if lasts else None,
               "last_ms_max": max(lasts) if lasts else None,
               "p50_ms_median": statistics.median(t["p50_ms"] for t in trials if t["p50_ms"] is not None)
               if trials else None,
               "missing": sum(t["missing"] for t in trials), "client_counts": recv["status"]["counts"]}
        if profile:
            out["profile"] = profile_result
        if gc_stats:
            out["gc"] = gc_stats
        self.log(f"  last poll received after {out['last_ms_median'] or 0:.1f} ms (median of {len(trials)}), "
                 f"missing {out['missing']}")
        return out

    # -- py-spy on the Beacon worker
    def py_spy(self, pid, tag, seconds):
        if not (VENV_BIN / "py-spy").exists():
            self.log("py-spy is not installed in .venv (pip install py-spy): no profile")
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
        return report.summarize_py_spy(raw)

    # -- the whole run
    def run(self):
        scenarios = self.args.only.split(",")
        kinds = self.args.servers.split(",")
        if "nchan" in kinds and (shutil.which("nginx") is None
                                 or not Path("/usr/lib/nginx/modules/ngx_nchan_module.so").exists()):
            sys.exit("nginx with nchan is missing: apt-get install -y nginx-light libnginx-mod-nchan "
                     "(and stop the nginx service if it was started)")
        p = self.p
        need = {
            "idle": max(p["idle_ns"]), "delivery": p["delivery_polls"], "fanout": 2 * p["fanout_users"],
        }
        n_users = 12 + sum(need[s] for s in scenarios) + (p["delivery_polls"] if "delivery" in scenarios else 0) \
            + (p["fanout_users"] if "fanout" in scenarios else 0)
        results = {"meta": report.machine_facts(), "params": p, "command": self.args.command,
                   "hold_seconds": HOLD_SECONDS, "lost_after_seconds": LOST_AFTER_SECONDS,
                   "idle": {}, "delivery": {}, "fanout": {}, "profiles": {}}
        started = time.monotonic()
        if "beacon" in kinds:
            self.prepare_database(n_users)
            self.choose_auth()
            results["auth"] = self.auth
            self.warm_user = self.take(1)[0]
        else:
            self.users = [[FIRST_USER_ID + i, "", ""] for i in range(n_users)]
            self.warm_user = self.take(1)[0]
        if "idle" in scenarios:
            self.idle_users = self.take(max(p["idle_ns"]))
        if "delivery" in scenarios:
            self.delivery_users = self.take(p["delivery_polls"])
            self.profile_users = self.take(p["delivery_polls"])
        if "fanout" in scenarios:
            self.fanout_users = {1: self.take(p["fanout_users"]), 3: self.take(p["fanout_users"])}
            self.profile_fanout_users = self.take(p["fanout_users"])
        results_path = OUT / f"results-{self.stamp}.json"

        def save():
            results["elapsed_seconds"] = time.monotonic() - started
            results["beacon_code"] = self.code_states
            results_path.write_text(json.dumps(results, indent=1))

        for kind in kinds:
            if "idle" in scenarios:
                results["idle"][kind] = self.idle(kind)
                save()
            if "delivery" in scenarios:
                results["delivery"][kind] = self.delivery(kind)
                save()
            if "fanout" in scenarios:
                results["fanout"][kind] = {str(k): self.fanout(kind, k) for k in (1, 3)}
                save()

        if "beacon" in kinds and not self.args.no_profile:
            self.profile_misses(results, scenarios)
        save()
        out = Path(self.args.out) if self.args.out else (OUT / "quick.md" if self.args.quick else MAIN / "BENCHMARKS.md")
        sections.write_section(out, "realtime", report.render(results, results_path))
        self.log(f"report: {out}; raw figures: {results_path}; {results['elapsed_seconds']:.0f}s")

    def profile_misses(self, results, scenarios):
        """Profile the Beacon worker with py-spy in a scenario whose target it missed (a separate, extra run)."""
        misses = report.targets(results)
        if "delivery" in scenarios and any(m["met"] is False for m in misses if m["scenario"] == "delivery"):
            steps = results["delivery"]["beacon"]["steps"]
            bad = [s["rate"] for s in steps if s["lost"] or s["p99_ms"] is None or s["p99_ms"] >= 100]
            rate = bad[0] if bad else 500
            results["profiles"]["delivery"] = {"rate": rate, "steps": self.delivery("beacon", rates=[rate],
                                                                                    profile=True)["steps"]}
        if "fanout" in scenarios and any(m["met"] is False for m in misses if m["scenario"] == "fanout"):
            self.fanout_users[1] = self.profile_fanout_users
            results["profiles"]["fanout"] = self.fanout("beacon", 1, profile=True)
        if "idle" in scenarios and any(m["met"] is False for m in misses if m["scenario"] == "idle"):
            results["profiles"]["idle"] = {"note": "memory: see the RSS split (anon/file/shmem) in the idle table"}


# The benchmarks run on their own (module under bench/), apart from ``make bench``'s two.
ON_THEIR_OWN = {"drills": "drills", "digest": "digest", "graph": "graph_drawing"}


def main():
    argv = sys.argv[1:]
    which = argv.pop(0) if argv and argv[0] in ("list", "realtime", *ON_THEIR_OWN) else "both"
    if which in ON_THEIR_OWN:
        importlib.import_module(f"bench.{ON_THEIR_OWN[which]}").main(argv)
        return
    if which == "list":
        notification_list.main(argv)
        return
    if which == "both" and not {"-h", "--help", "--render"} & set(argv):
        # The list first: it needs only PostgreSQL, and takes a minute or two once its data is seeded.
        notification_list.main(["--quick"] if "--quick" in argv else [])
    realtime_main(argv, "realtime " if which == "realtime" else "")


def realtime_main(argv, word):
    parser = argparse.ArgumentParser(prog="python -m bench realtime", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smaller N and shorter windows, to try things")
    parser.add_argument("--only", default="idle,delivery,fanout", help="comma list of scenarios")
    parser.add_argument("--servers", default="beacon,nchan", help="comma list: beacon,nchan")
    parser.add_argument("--no-profile", action="store_true", help="no py-spy pass when Beacon misses a target")
    parser.add_argument("--diag-gc", action="store_true",
                        help="diagnostics: log the Beacon worker's garbage-collector pauses (bench/gc_probe_gunicorn.py)")
    parser.add_argument("--redis-db", type=int, default=9, help="the Redis database number the bench owns")
    parser.add_argument("--out", help="report path (default BENCHMARKS.md; --quick: bench/out/quick.md)")
    parser.add_argument("--render", metavar="RESULTS_JSON",
                        help="only write the report again from a results file (py-spy summaries recomputed)")
    args = parser.parse_args(argv)
    if args.render:
        results = json.loads(Path(args.render).read_text())
        for prof in results.get("profiles", {}).values():
            for holder in [prof, *prof.get("steps", [])]:
                if isinstance(holder.get("profile"), dict) and holder["profile"].get("raw"):
                    holder["profile"] = report.summarize_py_spy(holder["profile"]["raw"])
        Path(args.render).write_text(json.dumps(results, indent=1))
        out = Path(args.out) if args.out else MAIN / "BENCHMARKS.md"
        sections.write_section(out, "realtime", report.render(results, Path(args.render).resolve()))
        print(f"report: {out}")
        return
    args.command = " ".join([f".venv/bin/python -m bench {word}".strip(), *map(shlex.quote, argv)])
    random.seed(1)
    raise_open_files_limit()
    Bench(args).run()


if __name__ == "__main__":
    main()
