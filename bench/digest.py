"""``python -m bench digest``: mail the users due in one hour, of 10,000 on schedules and zones of their own.

10,000 users, each with 5 unread notifications, spread over hourly, daily
and weekly digests (and off) in zones east and west of UTC
(bench/digest_seed.py). The bench's hour is the one before HOUR (Monday
08:00 UTC by default); the users due in it are those whose slot, as the
schedule logic computes it, falls in it: every hourly one, and each daily
and weekly one whose local hour (and day) it is. Each run puts every slot
where that hour's end would see it, HOUR being the run's start, so the
check finds exactly those users due and the rest not, then times the code
users run: beat's task (tasks.digest.send_digests) queued on Celery's
broker, a worker as the Procfile starts it (two processes) mailing a chunk
of users per task, each over its own SMTP connection, to a local SMTP server
(aiosmtpd, in this process, counting what it receives); and the same run by
``python manage.py send_digests`` (one process, chunk after chunk). Each run
starts from the same data: every notification unread and unmailed, every
slot as seeded (reset and vacuumed). A run is over when no slot of the hour
is left unserved. The users not due must get nothing.

Own database (beacon_bench_digest, made anew) on this machine's PostgreSQL,
Redis database 8 for Celery. About 3 minutes at 10,000 users. Writes the
"digest" section of BENCHMARKS.md (``--out`` elsewhere for a trial).
"""

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psutil

from bench.log import log
from bench.procfile import Proc, Stack, procfile_commands

MAIN = Path(__file__).resolve().parents[1]
PY = str(MAIN / ".venv" / "bin" / "python")
DB_NAME = "beacon_bench_digest"
REDIS_URL = "redis://127.0.0.1:6379/8"
RUN_DEADLINE_SECONDS = 600
# The end of the bench's hour: a Monday, winter in the north, summer in Sydney; 08:00 in Paris and Lagos.
HOUR = "2027-01-04T07:00:00+00:00"


class CountingHandler:
    """An SMTP server's end that keeps only who got a mail and when (no parsing: the sink must be cheap)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        with self.lock:
            self.recipients: Counter = Counter()
            self.first = self.last = None
            self.sample = None

    async def handle_DATA(self, server, session, envelope):
        now = time.monotonic()
        with self.lock:
            self.recipients.update(envelope.rcpt_tos)
            self.first = self.first or now
            self.last = now
            self.sample = self.sample or envelope.content
        return "250 OK"

    def mails(self) -> int:
        with self.lock:
            return sum(self.recipients.values())


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench digest", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--per-user", type=int, default=5)
    parser.add_argument("--celery-runs", type=int, default=3)
    parser.add_argument("--hour", default=HOUR, help="the end of the bench's hour, ISO 8601 (default %(default)s)")
    parser.add_argument("--out", default=str(MAIN / "BENCHMARKS.md"))
    args = parser.parse_args(argv)
    command = " ".join([".venv/bin/python -m bench digest", *(argv if argv is not None else sys.argv[2:])])

    from dev.mail import MailServer
    from settings import defaults

    server = urlsplit(os.environ.get("DATABASE_URL", defaults.DATABASE_URL))
    database_url = urlunsplit(server._replace(path=f"/{DB_NAME}"))
    handler = CountingHandler()
    sink = MailServer(handler).start()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "settings.dev", "DATABASE_URL": database_url,
           "REDIS_URL": REDIS_URL, "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
           "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(sink.port), "DIGEST_SETTLE_MINUTES": "5",
           "SITE_URL": "https://beacon.example.org", "LOG_LEVEL": "WARNING", "PYTHONUNBUFFERED": "1"}
    out_dir = MAIN / "bench" / "out" / time.strftime("digest-%Y%m%d-%H%M%S")
    out_dir.mkdir(parents=True, exist_ok=True)

    from bench.servers import recreate_database

    log(f"database {DB_NAME}: recreate, migrate, {args.users} users x {args.per_user} notifications")
    recreate_database(urlunsplit(server._replace(path="/postgres")), DB_NAME, env)
    subprocess.run([PY, "-m", "bench.digest_seed", str(args.users), str(args.per_user), args.hour], cwd=MAIN,
                   env=env, check=True)
    import psycopg2

    from bench.schema import schema_of

    db = psycopg2.connect(database_url)
    db.autocommit = True
    with db.cursor() as cur:
        cur.execute(f"VACUUM ANALYZE {', '.join(schema_of(cur).tables)}, accounts_notificationpreferences")
        args.due = due_readers(cur, args.hour)
    log(f"  {len(args.due)} of {args.users} users due in the hour to {args.hour}")
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()

    runs = []
    started = time.monotonic()
    try:
        workers = Stack(env, out_dir)
        try:
            worker = start_worker(workers)
            for _ in range(args.celery_runs):
                runs.append(one_run("beat's task on a Celery worker (2 processes)", handler, db, args,
                                    lambda: send_task(), worker))
                log(f"  {summary(runs[-1])}")
        finally:
            workers.stop()
        runs.append(one_run("python manage.py send_digests (one process)", handler, db, args,
                            lambda: subprocess.Popen([PY, "manage.py", "send_digests"], cwd=MAIN, env=env,
                                                     stdout=subprocess.DEVNULL), None))
        log(f"  {summary(runs[-1])}")
    finally:
        sink.stop()
        db.close()
    sample = handler.sample.decode(errors="replace") if handler.sample else ""
    report = render(runs, args, command, time.monotonic() - started, sample)
    from bench import sections

    sections.write_section(Path(args.out), "digest", report)
    log(f"report: {args.out}")


def start_worker(workers: Stack) -> Proc:
    """The Procfile's Celery worker (2 processes), named apart from any other worker on the broker."""
    log("Celery worker: starting (--concurrency=2, as the Procfile)")
    worker = workers.start("worker", f"{procfile_commands()['worker']} -n bench-digest@%h")
    workers.wait_for_log("worker", "ready.", 60)
    return worker


def due_readers(cur, hour: str) -> frozenset:
    """The addresses of the users due in the bench's hour (their slot at or before its end)."""
    cur.execute("SELECT u.email FROM bench_digest_slot s JOIN auth_user u ON u.id = s.user_id WHERE s.at <= %s",
                [hour])
    return frozenset(row[0] for row in cur.fetchall())


def set_slots(cur, hour: str) -> datetime:
    """Every seeded slot moved so that the bench's hour ends now; the moment it was done (the run's now)."""
    cur.execute("UPDATE accounts_notificationpreferences p SET digest_next_at = s.at + (now() - %s::timestamptz)"
                " FROM bench_digest_slot s WHERE p.user_id = s.user_id RETURNING now()", [hour])
    return cur.fetchone()[0]


def unserved(db, since: datetime) -> int:
    """Slots of the hour not yet served: still at or before the run's start."""
    with db.cursor() as cur:
        cur.execute("SELECT count(*) FROM accounts_notificationpreferences WHERE digest AND digest_next_at <= %s",
                    [since])
        return cur.fetchone()[0]


def send_task():
    """Queue beat's task by name, as beat does (this process needs no Django)."""
    from celery import Celery

    Celery(broker=REDIS_URL).send_task("tasks.digest.send_digests")


def cpu_seconds(pid: int) -> float:
    """CPU of a process and all its children (the worker's pool processes)."""
    try:
        root = psutil.Process(pid)
        total = 0.0
        for process in [root, *root.children(recursive=True)]:
            times = process.cpu_times()
            total += times.user + times.system
        return total
    except psutil.NoSuchProcess:
        return 0.0


def unmailed(db) -> int:
    with db.cursor() as cur:
        cur.execute("SELECT count(*) FROM notifications_notification WHERE mailed_at IS NULL")
        return cur.fetchone()[0]


def postgres_cpu() -> float:
    total = 0.0
    for process in psutil.process_iter(["name", "cpu_times"]):
        if process.info["name"] in ("postgres", "postgresql") and process.info["cpu_times"]:
            total += process.info["cpu_times"].user + process.info["cpu_times"].system
    return total


def one_run(label, handler, db, args, start, worker) -> dict:
    log(f"run: {label}")
    with db.cursor() as cur:
        cur.execute("UPDATE notifications_notification SET mailed_at = NULL")
        hour_ends = set_slots(cur, args.hour)
        # Each run starts from the same tables: without this, the dead rows of
        # the runs before (every mark is a new row version) slow each next run.
        cur.execute("VACUUM ANALYZE notifications_notification, accounts_notificationpreferences")
    handler.reset()
    assert unmailed(db) >= args.users * args.per_user
    assert unserved(db, hour_ends) == len(args.due)
    this = psutil.Process()
    cpu_before = (cpu_seconds(worker.pid) if worker else 0.0, this.cpu_times(), postgres_cpu())
    # The command's process is a child of this one: its CPU shows in our children's times once it is waited for.
    t0 = time.monotonic()
    launched = start()
    deadline = t0 + RUN_DEADLINE_SECONDS
    left = unserved(db, hour_ends)
    while left > 0 and time.monotonic() < deadline:
        time.sleep(0.1)
        left = unserved(db, hour_ends)
    t_done = time.monotonic()
    if isinstance(launched, subprocess.Popen):
        launched.wait(60)
    this_after = this.cpu_times()
    command_cpu = ((this_after.children_user + this_after.children_system)
                   - (cpu_before[1].children_user + cpu_before[1].children_system))
    counts = handler.recipients.copy()
    return {
        "label": label,
        "seconds": t_done - t0,
        "first_mail_seconds": (handler.first - t0) if handler.first else None,
        "last_mail_seconds": (handler.last - t0) if handler.last else None,
        "mails": sum(counts.values()),
        "missing": sum(1 for r in args.due if counts[r] == 0),
        "duplicated": sum(1 for r in args.due if counts[r] > 1),
        "not_due_mailed": sum(1 for r in counts if r not in args.due),
        "left_unserved": left,
        "worker_cpu": (cpu_seconds(worker.pid) - cpu_before[0]) if worker else command_cpu,
        "sink_cpu": (this_after.user + this_after.system) - (cpu_before[1].user + cpu_before[1].system),
        "postgres_cpu": postgres_cpu() - cpu_before[2],
    }


def summary(run: dict) -> str:
    return (f"{run['mails']} mails in {run['seconds']:.1f} s ({rate(run):.0f} mails/s); missing {run['missing']}, "
            f"duplicated {run['duplicated']}, mailed though not due {run['not_due_mailed']}, "
            f"slots left unserved {run['left_unserved']}")


def rate(run: dict) -> float:
    return run["mails"] / run["last_mail_seconds"] if run["last_mail_seconds"] else 0.0


def render(runs, args, command, elapsed, sample) -> str:
    import platform

    from bench.digest_spread import SCHEDULES, ZONES
    from bench.facts import code_state

    celery_runs = [r for r in runs if "Celery" in r["label"]]
    spread = ", ".join(f"{share:.0%} {every}" for share, every in SCHEDULES)
    zones = ", ".join(zone or "the server's (UTC)" for zone in ZONES)
    lines = [
        f"## The email digest: the users due in one hour, of {args.users:,} on schedules of their own",
        "",
        f"Command: `{command}` ({elapsed / 60:.1f} min). Code: {code_state()}. "
        f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}, PostgreSQL and Redis on loopback.",
        "",
        f"{args.users:,} users, each with {args.per_user} unread notifications never mailed (about 2 graphs each, "
        f"so most mails group several under one graph), each with a digest schedule ({spread}; half the daily "
        f"and weekly ones at 08:00, the rest at any hour and day) in a zone among {zones}. The hour is the one "
        f"to {args.hour}: **{len(args.due):,} users are due in it** (every hourly one, and each daily and "
        "weekly one whose local hour and day it is), and each run sets every slot so that the hour ends as it "
        "starts. The SMTP server is aiosmtpd on loopback in the bench process (it keeps only who got a mail). "
        "A run is timed from queuing beat's check (or starting the command) until no slot of the hour is left "
        "unserved; chunks of `DIGEST_CHUNK_USERS` = 200 users, each one transaction and one SMTP connection.",
        "",
        "| run | mails | whole run | mails/s | first mail after | missing | duplicated | mailed, not due | "
        "worker CPU | PostgreSQL CPU | SMTP server CPU |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for run in runs:
        lines.append(
            f"| {run['label']} | {run['mails']:,} | {run['seconds']:.1f} s | {rate(run):.0f} | "
            f"{run['first_mail_seconds'] or 0:.2f} s | {run['missing']} | {run['duplicated']} | "
            f"{run['not_due_mailed']} | {run['worker_cpu']:.1f} s | {run['postgres_cpu']:.1f} s | "
            f"{run['sink_cpu']:.1f} s |")
    if celery_runs:
        seconds = [r["seconds"] for r in celery_runs]
        met = all(s < 60 for s in seconds) and all(
            r["missing"] == r["duplicated"] == r["not_due_mailed"] == r["left_unserved"] == 0 for r in celery_runs)
        lines += [
            "",
            f"Target: the users due in one hour mailed in under 60 s: **{'met' if met else 'MISSED'}** with the "
            f"Celery worker ({len(seconds)} runs: {min(seconds):.1f}–{max(seconds):.1f} s, "
            f"median {statistics.median(seconds):.1f} s). "
            "Each due user got exactly one mail and no other user any (missing, duplicated and mailed-not-due "
            "count users).",
        ]
    subject = next((line for line in sample.splitlines() if line.startswith("Subject:")), "")
    if subject:
        lines += ["", f"A mail of the run, for the record: `{subject}`."]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
