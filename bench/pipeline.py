"""``python -m bench pipeline``: the whole notification pipeline, through Beacon's real processes, from outside.

An action (``web.graphs.actions.update_graph`` on a graph shared with a
group, run by load generator processes: bench/pipeline_load.py) writes its
events to the outbox in its own transaction; after commit the relay task
sends them to Kafka (a Tansu broker of the bench's own, from dev,
or the configured one); ``python -m tasks.consumer`` hands them to the Celery
worker (the Procfile's command: 2 processes, Redis broker), which stores the
notifications in PostgreSQL and PUBLISHes each on its user's Redis channel.
A collector process (bench/pipeline_collect.py) pattern-subscribes to every
user's channel and stamps each arrival with ``time.time()``, the clock the
generator stamps each action with right before calling it. Event → stored
is arrival minus that stamp, per notification.

Every expected notification (the recipients each action's events name) is
matched to its arrival by notification id, so lost and duplicated are
counted per (user, action), and the rows in PostgreSQL are counted at the
end of each measurement and of the run.

Measurements:
  steps     sustained rates: actions on 100-member groups at increasing rates
  burst     200 actions into 100-member groups as fast as the generators go, CPU of every process
  big       one action on a group of every bench user (10,000), several trials
  consumers the burst again with two consumers in the group (topics of 6 partitions)
  naive     the burst through one Celery task and one INSERT per notification (bench/pipeline_naive.py)

Own database (beacon_bench_pipeline, made anew), Redis database 12 of the
configured server (--redis-db), settings.production. About 10 minutes
(--quick: about 3). Writes the "pipeline" section of BENCHMARKS.md
(--quick: bench/out/pipeline-quick.md; --out to choose).

Before and after (bench/before.py): --before-commit REV runs all this first on
REV's code (a worktree under /tmp with the current bench/ copied in), then
here, and adds the section "pipeline-before-after": highest clean step, the
burst's rate, event → stored and CPU per notification, the big group; or
--before-results PATH (an earlier run's --results-json or results.json) for
that section without re-running the earlier code.
"""

import argparse
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bench import before, before_figures, profiles
from bench import pipeline_report as reporting
from bench.log import log
from bench.pipeline_collect import RECORD
from bench.pipeline_procs import CpuMeter, listening_pid
from bench.proc import LineProc, bench_command, stop_on_signals
from bench.procfile import Stack, procfile_commands
from bench.quiet import MachineWatch
from bench.quiet import describe as quiet_line

MAIN = Path(__file__).resolve().parents[1]
PY = str(MAIN / ".venv" / "bin" / "python")
DB_NAME = "beacon_bench_pipeline"
VAR_DIR = MAIN / "var" / "bench-pipeline"
FIRST_USER_ID = 70_000_001  # far from other users of the same Redis server's channels
KAFKA_PARTITIONS = 6
# Stop waiting for a window's notifications after this long without a new
# one: longer than the outbox's first re-send (30 s) plus beat's interval (5 s).
STALL_SECONDS = 40.0
# ... and after this long in all, whatever happens.
WINDOW_DEADLINE_SECONDS = 600.0
# When a step reaches less than this share of its asked rate, the higher steps are skipped.
SKIP_BELOW_SHARE = 0.5

FULL = {
    # 4 generators: an action is ~25 ms of wall time (most of it waiting on PostgreSQL), so 75 actions/s
    # need several at once; 100 groups split evenly between them.
    "groups": 100, "group_size": 100, "graphs_per_group": 4, "big_graphs": 8, "generators": 4,
    "steps": [1000, 2500, 5000, 7500, 10000], "step_seconds": 20.0,
    "burst_actions": 200, "big_trials": 5,
    "two_consumer_steps": [7500, 10000], "naive_steps": [],
}
QUICK = {
    "groups": 20, "group_size": 100, "graphs_per_group": 4, "big_graphs": 3, "generators": 2,
    "steps": [1000, 2500], "step_seconds": 5.0,
    "burst_actions": 40, "big_trials": 2,
    "two_consumer_steps": [], "naive_steps": [],
}


class Arrivals:
    """The collector's file, read as it grows: (t, user, seq, notification id) in arrival order."""

    def __init__(self, path: Path):
        self.path = path
        self.items: list[tuple] = []
        self._pos = 0

    def read(self) -> int:
        with open(self.path, "rb") as f:
            f.seek(self._pos)
            data = f.read()
        usable = len(data) - len(data) % RECORD.size
        self.items.extend(RECORD.iter_unpack(data[:usable]))
        self._pos += usable
        return len(self.items)

    def since(self, t: float) -> list[tuple]:
        self.read()
        # Appended in arrival order: walk back from the end.
        i = len(self.items)
        while i > 0 and self.items[i - 1][0] >= t:
            i -= 1
        return self.items[i:]


class Bench:
    def __init__(self, args):
        self.args = args
        self.p = dict(QUICK if args.quick else FULL)
        if args.step_seconds:
            self.p["step_seconds"] = args.step_seconds
        self.p["naive_burst_actions"] = args.naive_actions or self.p["burst_actions"]
        if args.generators:
            self.p["generators"] = args.generators
        if args.groups:
            self.p["groups"] = args.groups
        self.stamp = time.strftime("%Y%m%d-%H%M%S")
        self.run_id = secrets.token_hex(3)
        self.dir = MAIN / "bench" / "out" / f"pipeline-{self.stamp}"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.stack = None
        self.generators: list[LineProc] = []
        self.collector = None
        self.meter = None
        self.db = None
        self.endpoints = None
        self.started_servers = False
        self.results = {"command": args.command, "params": {**self.p, "partitions": KAFKA_PARTITIONS},
                        "redis_db": args.redis_db, "windows": [], "phases": []}
        self.all_records: list[dict] = []
        self.phase = None

    # -- servers, database, data
    def servers(self):
        from dev.stack import ensure_stack
        from settings import defaults

        configured_db = urlsplit(os.environ.get("DATABASE_URL", defaults.DATABASE_URL))
        redis_url = urlsplit(os.environ.get("REDIS_URL", defaults.REDIS_URL))
        self.endpoints = ensure_stack(
            VAR_DIR, database_url=urlunsplit(configured_db._replace(path=f"/{DB_NAME}")),
            redis_url=urlunsplit(redis_url._replace(path=f"/{self.args.redis_db}")),
            kafka_bootstrap=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", defaults.KAFKA_BOOTSTRAP_SERVERS), log=log)
        self.started_servers = any(e.owned for e in self.endpoints.values())
        self.database_url = self.endpoints["postgres"].url
        self.redis_url = self.endpoints["redis"].url
        self.kafka = self.endpoints["kafka"]
        from dev import kafka as devkafka

        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "settings.production",
            "SECRET_KEY": secrets.token_urlsafe(48),
            "DEBUG": "0",
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "KAFKA_BOOTSTRAP_SERVERS": self.kafka.url,
            "KAFKA_TOPIC_PARTITIONS": str(KAFKA_PARTITIONS),
            "PYTHONUNBUFFERED": "1",
            **(devkafka.CLIENT_SETTINGS if self.kafka.owned else {}),
        }
        self.env.pop("BEACON_RUN_VAR_DIR", None)

    def prepare_database(self):
        from bench.servers import recreate_database

        server = urlsplit(self.database_url)
        log(f"database {DB_NAME}: recreate, migrate, seed")
        recreate_database(urlunsplit(server._replace(path="/postgres")), DB_NAME, self.env)
        cfg = self.dir / "seed.json"
        cfg.write_text(json.dumps({"first_user_id": FIRST_USER_ID, **{k: self.p[k] for k in (
            "groups", "group_size", "graphs_per_group", "big_graphs")}}))
        layout = self.dir / "layout.json"
        subprocess.run([PY, "-m", "bench.pipeline_seed", str(cfg), str(layout)], cwd=MAIN, env=self.env, check=True)
        self.layout = json.loads(layout.read_text())
        import psycopg2
        import redis

        redis.Redis.from_url(self.redis_url).flushdb()
        self.db = psycopg2.connect(self.database_url)
        self.db.autocommit = True

    # -- the bench's own helpers
    def start_helpers(self):
        first, last = self.layout["users"]
        self.arrivals_path = self.dir / "arrivals.bin"
        self.arrivals_path.write_bytes(b"")
        self.collector = LineProc([PY, "-m", "bench.pipeline_collect", self.redis_url, str(first), str(last),
                                   str(self.arrivals_path)], cwd=MAIN, env=self.env,
                                  log_path=self.dir / "collector.log", name="collector")
        self.collector.expect("ready", 30)
        self.arrivals = Arrivals(self.arrivals_path)

    def start_generators(self, env: dict, phase: str):
        """The load generators of a phase: the outbox row names its Kafka topic, so they need the phase's prefix."""
        self.stop_generators()
        for i in range(self.p["generators"]):
            self.generators.append(LineProc([PY, "-m", "bench.pipeline_load"], cwd=MAIN, env={**self.env, **env},
                                            log_path=self.dir / f"generator-{phase}-{i}.log", name=f"generator {i}"))
        for gen in self.generators:
            gen.expect("ready", 60)

    def stop_generators(self):
        generators, self.generators = self.generators, []
        for gen in generators:
            gen.close()

    def start_meter(self):
        redis_pid = listening_pid(urlsplit(self.redis_url).port or 6379)
        kafka_pid = self.kafka.pid or listening_pid(int(self.kafka.url.rsplit(":", 1)[1]))

        def stack_role(prefix):
            return lambda: [pid for name, proc in (self.stack.procs.items() if self.stack else ())
                            if name.startswith(prefix) for pid in proc.tree()]

        roles = {
            "Celery worker": stack_role("worker"),
            "consumer": stack_role("consumer"),
            "beat": stack_role("beat"),
            "Kafka (Tansu)" if self.kafka.owned else "Kafka": lambda: [kafka_pid] if kafka_pid else [],
            "Redis": lambda: [redis_pid] if redis_pid else [],
            "load generators": lambda: [g.p.pid for g in self.generators],
            "collector": lambda: [self.collector.p.pid] if self.collector else [],
        }
        self.meter = CpuMeter(roles, self.database_url, DB_NAME).start()

    # -- Beacon's processes, one phase at a time
    def start_phase(self, name: str, *, consumers: int, naive: bool = False):
        self.stop_phase()
        prefix = f"bench-pipeline-{self.run_id}-{name}"
        env = {"KAFKA_TOPIC_PREFIX": f"{prefix}.", "KAFKA_CONSUMER_GROUP": prefix,
               "CELERY_BEAT_SCHEDULE_FILE": str(self.dir / f"beat-{name}")}
        if naive:
            # Its per-recipient ProcessedEvent marks never match the outbox's event ids: no re-sends.
            env["OUTBOX_REDELIVER_AFTER_SECONDS"] = "3600"
            env["OUTBOX_REDELIVER_MAX_SECONDS"] = "3600"
        commands = procfile_commands()
        worker = commands["worker"]
        consumer = commands["consumer"]
        if naive:
            # Beacon's consumer, and Beacon's worker command on the app whose delivery is a task per notification.
            worker = worker.replace("tasks.celery:app", "bench.pipeline_naive:app")
        self.stack = Stack({**self.env, **env}, self.dir / f"logs-{name}")
        log(f"phase {name}: {consumers} consumer(s){', naive delivery' if naive else ''}; topics {prefix}.*")
        self.phase = {"name": name, "consumers": consumers, "naive": naive, "worker": worker, "consumer": consumer,
                      "beat": commands["beat"], "topic_prefix": f"{prefix}."}
        for i in range(consumers):
            self.stack.start(f"consumer-{i + 1}", consumer)
        self.stack.start("worker", worker)
        self.stack.start("beat", commands["beat"])
        self.start_generators(env, name)
        self.stack.wait_for_log("worker", "ready.", 90)
        self.phase["assignment"] = self.wait_assigned(consumers)
        self.results["phases"].append(self.phase)
        self.warm_up()

    def wait_assigned(self, consumers: int, timeout: float = 90.0) -> dict:
        """Until the group's consumers hold every partition of the three topics between them, each once."""
        wanted = 3 * KAFKA_PARTITIONS
        deadline = time.monotonic() + timeout
        while True:
            self.stack.check_alive()
            held = {}
            for i in range(consumers):
                lines = [line for line in self.stack.procs[f"consumer-{i + 1}"].log_text().splitlines()
                         if "partitions assigned:" in line]
                held[i + 1] = [] if not lines else [p.strip() for p in lines[-1].split("partitions assigned:", 1)[1]
                                                    .split(",") if p.strip() and p.strip() != "none"]
            together = [p for ps in held.values() for p in ps]
            if len(together) == len(set(together)) == wanted and all(held.values()):
                return {str(k): len(v) for k, v in held.items()}
            if time.monotonic() > deadline:
                raise TimeoutError(f"consumers hold {together} after {timeout:.0f} s (want {wanted} partitions, "
                                   f"each once); see {self.stack.log_dir}")
            time.sleep(0.3)

    def stop_phase(self):
        if self.stack is not None:
            self.stack.stop()
            self.stack = None

    def warm_up(self):
        """A few actions through the fresh processes (connections, imports, the topics' first records); not measured."""
        groups = self.layout["small"][:2 * len(self.generators)]
        plan = [(0.05 * i, g["graphs"][0][1], g["graphs"][0][0]) for i, g in enumerate(groups)]
        self.window("warm-up", plan, measure=False)

    # -- one measured window
    def split(self, plan):
        n = len(self.generators)
        return [plan[k::n] for k in range(n)]

    def window(self, label: str, plan: list, *, measure: bool = True, kind: str = "", asked_rate=None,
               extra=None) -> dict:
        """Run ``plan`` ([(offset, actor, graph)]) on the generators and wait for its notifications."""
        self.stack.check_alive()
        spies = self.start_py_spy(label) if (measure and self.args.profile and kind == "burst") else []
        mark = self.meter.mark()
        sessions_before = self.pg_sessions()
        worker_log_at = self.stack.procs["worker"].log_path.stat().st_size
        start = time.time() + 0.5
        parts = self.split(plan)
        outs = []
        for k, (gen, part) in enumerate(zip(self.generators, parts, strict=True)):
            if not part:
                continue
            out = self.dir / f"actions-{len(self.results['windows']):02d}-{k}.json"
            outs.append((gen, out))
            gen.send({"cmd": "run", "start": start, "plan": part, "tag": f"{self.run_id} {label}", "out": str(out)})
        errors = 0
        for gen, _ in outs:
            errors += gen.expect("done", WINDOW_DEADLINE_SECONDS)["done"]["errors"]
        records = [r for _, out in outs for r in json.loads(out.read_text())]
        records.sort(key=lambda r: r["t0"])
        self.all_records += records
        expected = sum(len(r["users"]) for r in records)
        t_actions_done = time.time()
        n_arrived, waited = self.wait_arrivals(start - 0.5, expected)
        cpu = self.meter.since(mark)
        sessions = self.pg_sessions() - sessions_before
        wall = time.time() - start
        profile = self.stop_py_spy(spies)
        arrivals = self.arrivals.since(start - 0.5)
        result = reporting.analyze(records, arrivals, self.db)
        result.update({"label": label, "kind": kind, "phase": self.phase["name"], "consumers": self.phase["consumers"],
                       "naive": self.phase["naive"], "asked_rate": asked_rate, "planned_actions": len(plan),
                       "action_errors": errors, "cpu_seconds": cpu, "postgres_sessions_opened": sessions,
                       "wall_seconds": round(wall, 2),
                       "drain_after_actions_s": round(time.time() - t_actions_done, 2), "gave_up_waiting": waited,
                       "worker_tasks": reporting.worker_task_times(self.stack.procs["worker"].log_path, worker_log_at),
                       **({"profile": profile} if profile else {}), **(extra or {})})
        if measure:
            self.results["windows"].append(result)
            self.save()
        log(f"  {label}: {reporting.one_line(result)}")
        return result

    def pg_sessions(self) -> int:
        """Connections ever opened to the bench database (PostgreSQL 14 and later; 0 before)."""
        with self.db.cursor() as cur:
            try:
                cur.execute("SELECT sessions FROM pg_stat_database WHERE datname = %s", (DB_NAME,))
                return cur.fetchone()[0] or 0
            except Exception:
                return 0

    def start_py_spy(self, label: str) -> list:
        """py-spy on the worker (its pool too) and each consumer, until the window ends (--profile)."""
        spy = MAIN / ".venv" / "bin" / "py-spy"
        spies = []
        for name, proc in self.stack.procs.items():
            if not (name == "worker" or name.startswith("consumer")):
                continue
            raw = self.dir / f"py-spy-{self.phase['name']}-{name}-{len(self.results['windows']):02d}.txt"
            argv = [str(spy), "record", "--pid", str(proc.pid), "--rate", "100", "--format", "raw", "--output",
                    str(raw), *(["--subprocesses"] if name == "worker" else [])]
            spies.append((name, raw, subprocess.Popen(argv, stdout=subprocess.DEVNULL,
                                                      stderr=open(raw.with_suffix(".log"), "wb"))))
        time.sleep(1.0)  # attached before the first action
        return spies

    def stop_py_spy(self, spies) -> dict:
        out = {}
        for name, raw, popen in spies:
            popen.send_signal(signal.SIGINT)
            try:
                popen.wait(30)
            except subprocess.TimeoutExpired:
                popen.kill()
                popen.wait()
            out[name] = profiles.summarize(raw)
        return out

    def wait_arrivals(self, t_from: float, expected: int) -> tuple[int, bool]:
        """Until ``expected`` notifications arrived since ``t_from``, or none came for STALL_SECONDS."""
        last_n, last_change = -1, time.monotonic()
        deadline = time.monotonic() + WINDOW_DEADLINE_SECONDS
        while True:
            n = len(self.arrivals.since(t_from))
            if n >= expected:
                time.sleep(0.3)  # anything right behind it (a duplicate) is counted too
                return n, False
            now = time.monotonic()
            if n != last_n:
                last_n, last_change = n, now
            if now - last_change > STALL_SECONDS or now > deadline:
                log(f"  gave up waiting: {n} of {expected} arrived")
                return n, True
            self.stack.check_alive()
            time.sleep(0.2)

    # -- the plans
    def step_plan(self, rate: float, seconds: float) -> list:
        size = self.p["group_size"]
        per_second = rate / size
        n = max(1, round(per_second * seconds))
        return [(i / per_second, *self.small_action(i)) for i in range(n)]

    def small_action(self, i: int):
        """Action i: the groups in turn, so each generator always acts in the same groups (i % generators)."""
        groups = self.layout["small"]
        group = groups[i % len(groups)]
        graph, owner = group["graphs"][(i // len(groups)) % len(group["graphs"])]
        return owner, graph

    def steps(self, rates, kind="steps"):
        for rate in rates:
            result = self.window(f"{rate:,}/s asked", self.step_plan(rate, self.p["step_seconds"]), kind=kind,
                                 asked_rate=rate)
            time.sleep(1.0)
            if result["reached_rate"] is not None and result["reached_rate"] < SKIP_BELOW_SHARE * rate:
                skipped = [r for r in rates if r > rate]
                if skipped:
                    log(f"  skipping {skipped}: this step reached under {SKIP_BELOW_SHARE:.0%} of its rate")
                    self.results.setdefault("skipped", []).append({"phase": self.phase["name"], "rates": skipped})
                break

    def burst(self, kind="burst", n=None):
        n = n or self.p["burst_actions"]
        plan = [(0.0, *self.small_action(i)) for i in range(n)]
        self.window(f"burst of {n} actions", plan, kind=kind)
        time.sleep(1.0)

    def big(self):
        graphs = self.layout["big"]["graphs"]
        for trial in range(self.p["big_trials"]):
            graph, owner = graphs[trial % len(graphs)]
            # One action: on the first generator only.
            self.window(f"{self.layout['big']['members']:,}-member group, trial {trial + 1}", [(0.0, owner, graph)],
                        kind="big")
            time.sleep(1.0)

    # -- the whole run
    def run(self):
        started = time.monotonic()
        only = set(self.args.only.split(",")) if self.args.only else None

        def wanted(name):
            return only is None or name in only

        self.results["meta"] = reporting.machine_facts()
        self.servers()
        self.results["servers"] = {name: {"url": e.url, "ours": e.owned} for name, e in self.endpoints.items()}
        self.prepare_database()
        self.start_helpers()
        self.start_meter()
        self.watch = MachineWatch(databases=[DB_NAME, "postgres"],
                                  pg_dsn=urlunsplit(urlsplit(self.database_url)._replace(path="/postgres")))
        self.results["machine_before"] = self.watch.wait_until_quiet(log=log)
        self.watch.start()
        if wanted("steps") or wanted("burst") or wanted("big"):
            self.start_phase("beacon", consumers=1)
            if wanted("steps"):
                self.steps(self.p["steps"])
            if wanted("burst"):
                self.burst()
                if wanted("naive") and self.p["naive_burst_actions"] != self.p["burst_actions"]:
                    self.burst(n=self.p["naive_burst_actions"])  # the naive design's load, for its ratio
            if wanted("big"):
                self.big()
        if wanted("consumers"):
            self.start_phase("beacon-2", consumers=2)
            self.burst(kind="burst")
            ran = [w["asked_rate"] for w in self.results["windows"] if w["kind"] == "steps" and w["phase"] == "beacon"]
            # The same rate as one consumer's highest step, where that stopped short of the asked ones.
            rates = sorted({min(r, max(ran)) if ran else r for r in self.p["two_consumer_steps"]})
            if rates:
                self.steps(rates)
        if wanted("naive"):
            self.start_phase("naive", consumers=1, naive=True)
            self.burst(n=self.p["naive_burst_actions"])
            if self.p["naive_steps"]:
                self.steps(self.p["naive_steps"])
        self.stop_phase()
        self.results["machine"] = self.watch.stop()
        if not self.results["machine"]["quiet"]:
            log(f"WARNING: {quiet_line(self.results['machine'])}")
        self.results["run_check"] = reporting.run_check(self.all_records, self.arrivals.since(0), self.db)
        self.results["topics"] = self.describe_topics()
        self.results["elapsed_seconds"] = round(time.monotonic() - started, 1)
        self.save()
        out = out_path(self.args)
        from bench import sections

        sections.write_section(out, section_name(self.args, self.p), reporting.render(self.results, self.results_path))
        for name, figure, met in reporting.targets(self.results):
            log(f"target: {name}: {figure}{'' if met is None else (' (met)' if met else ' (MISSED)')}")
        log(f"report: {out}; raw figures: {self.results_path}; {self.results['elapsed_seconds']:.0f} s")

    def describe_topics(self) -> dict:
        try:
            from kafka import KafkaAdminClient

            admin = KafkaAdminClient(bootstrap_servers=self.kafka.url, client_id="bench-pipeline")
            try:
                names = [n for n in admin.list_topics() if n.startswith(f"bench-pipeline-{self.run_id}-")]
                return {t["topic"] if "topic" in t else t["name"]: len(t.get("partitions") or ())
                        for t in admin.describe_topics(sorted(names))}
            finally:
                admin.close()
        except Exception as exc:  # only for the report
            return {"error": f"{type(exc).__name__}: {exc}"}

    @property
    def results_path(self) -> Path:
        return self.dir / "results.json"

    def save(self):
        self.results_path.write_text(json.dumps(self.results, indent=1))
        if self.args.results_json:
            Path(self.args.results_json).write_text(json.dumps(self.results, indent=1))

    def close(self):
        """Everything this run started, whatever happened."""
        log("stopping what the bench started")
        for step in (self.stop_phase, self.stop_generators,
                     (self.collector.close if self.collector else None), (self.meter.close if self.meter else None)):
            if step is None:
                continue
            try:
                step()
            except Exception as exc:
                log(f"while stopping: {type(exc).__name__}: {exc}")
        if self.db is not None:
            self.db.close()
        if self.started_servers and not self.args.keep_servers:
            from dev.stack import stop_stack

            stop_stack(VAR_DIR, log=log)


def section_name(args, p: dict) -> str:
    """The report's section: "pipeline", or one of its own for a run on more groups (a bigger big group)."""
    default = (QUICK if args.quick else FULL)["groups"]
    return "pipeline" if p["groups"] == default else f"pipeline-{p['groups'] * p['group_size']}-users"


def out_path(args) -> Path:
    return Path(args.out) if args.out else (
        MAIN / "bench" / "out" / "pipeline-quick.md" if args.quick else MAIN / "BENCHMARKS.md")


def main(argv=None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="python -m bench pipeline", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smaller and shorter, to try things (about 3 min)")
    parser.add_argument("--only", help="comma list of steps,burst,big,consumers,naive (default: all)")
    parser.add_argument("--step-seconds", type=float, help="seconds per sustained step (default 20; --quick 5)")
    parser.add_argument("--naive-actions", type=int,
                        help="actions in the naive design's burst (default: the burst's, 200; --quick 40); when "
                             "different, Beacon runs a burst of that size too, for the ratio")
    parser.add_argument("--generators", type=int,
                        help="load generator processes (default 4; --quick 2); a divisor of the group count keeps "
                             "each group's actions in one of them")
    parser.add_argument("--groups", type=int,
                        help="groups of 100 members (default 100; --quick 20); the big group is all of them, so "
                             "--groups 1000 --only big measures one action on a 100,000-member group (its own "
                             "section of the report)")
    parser.add_argument("--redis-db", type=int, default=10,
                        help="the Redis database number the bench owns (the tests take 12-14 by default)")
    parser.add_argument("--profile", action="store_true",
                        help="py-spy on the worker and the consumers during each burst (it costs CPU: figures move)")
    parser.add_argument("--keep-servers", action="store_true",
                        help="leave the servers the bench started (its Kafka) running afterwards")
    parser.add_argument("--out", help="report path (default BENCHMARKS.md; --quick: bench/out/pipeline-quick.md)")
    before.add_options(parser)
    args = parser.parse_args(argv)
    args.command = bench_command("pipeline", argv)
    stop_on_signals()  # bench/before.py's worktree, and the servers, are stopped in the finally blocks
    earlier = before.earlier(args, "pipeline", argv, before_figures.pipeline_code)
    bench = Bench(args)
    log(f"output in {bench.dir}")
    try:
        bench.run()
    finally:
        bench.close()
    if earlier:
        before.write_section(out_path(args), "pipeline-before-after", before_figures.PIPELINE_TITLE, args.command,
                             earlier, (before_figures.pipeline_code(bench.results), bench.results_path),
                             before_figures.pipeline(earlier.results), before_figures.pipeline(bench.results))


if __name__ == "__main__":
    main(sys.argv[1:])
