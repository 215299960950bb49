"""``python -m bench drills``: every fault drill at 300 actions, with Beacon's default timings, into RELIABILITY.md.

The same drills as tests/e2e/test_fault_drills.py (tests/support/faults.py),
larger and with Beacon's own defaults for the grace periods, so the figures
say what a user would live through: Bob uploads 300 graphs into a group
through the API at 15 a second while one part of Beacon fails a third of the
way in; Alice follows her notifications with a long-poll client.

Runs Beacon's processes on a Redis and a Kafka broker of its own and a
database of its own (beacon_bench_drills, made anew), on this machine's
PostgreSQL (DATABASE_URL's server). About 12 minutes.
"""

import argparse
import os
import platform
import signal
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bench.facts import command_output

MAIN = Path(__file__).resolve().parents[1]
DB_NAME = "beacon_bench_drills"
HEALED_WITHIN_SECONDS = 10


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench drills", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--actions", type=int, default=300)
    parser.add_argument("--only", help="run only the drills whose name contains this")
    parser.add_argument("--out", default=str(MAIN / "RELIABILITY.md"))
    args = parser.parse_args(argv)

    from settings import defaults

    server = urlsplit(os.environ.get("DATABASE_URL", defaults.DATABASE_URL))
    database_url = urlunsplit(server._replace(path=f"/{DB_NAME}"))
    from bench.servers import recreate_database

    recreate_database(urlunsplit(server._replace(path="/postgres")), DB_NAME,
                      {"DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "settings.dev"})
    os.environ.update(DJANGO_SETTINGS_MODULE="settings.dev", DATABASE_URL=database_url)
    import django

    django.setup()
    from tests.support.faults import DRILLS, DrillSettings, DrillStack, abandoned_polls, run_drill

    settings = DrillSettings(actions=args.actions, actions_per_second=15, kafka_down_seconds=30,
                             beat_down_seconds=120, postgres_down_seconds=10, broker_slow_seconds=30,
                             deadline_seconds=300)
    stack = DrillStack(database_url, MAIN / "var" / "bench-drills", settings)
    # Stopped from outside (SIGTERM), the stack is stopped too rather than left relaying this database.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped by SIGTERM"))
    started = time.monotonic()
    results, clicks = [], None
    stack.start()
    try:
        for name, fault in DRILLS.items():
            if args.only and args.only not in name:
                continue
            stack.heal()
            print(f"drill: {name} ...", flush=True)
            result = run_drill(stack, name, fault)
            print(f"  {result}", flush=True)
            results.append(result)
        if not args.only or args.only in "30 page views":
            stack.heal()
            clicks = abandoned_polls(stack)
            print(f"  30 page views in 10 s: {clicks}", flush=True)
    finally:
        stack.stop()
    Path(args.out).write_text(_report(results, clicks, settings, time.monotonic() - started,
                                      " ".join([".venv/bin/python -m bench drills", *(argv or sys.argv[2:])])))
    print(f"report: {args.out}")


def _report(results, clicks, settings, seconds: float, command: str) -> str:
    commit = command_output(["git", "rev-parse", "--short", "HEAD"])
    dirty = command_output(["git", "status", "--porcelain", "--", "web", "tasks", "realtime", "settings"])
    lines = [
        "# Reliability: the fault drills",
        "",
        f"Written by `{command}` on {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, code {commit}"
        f"{' (with uncommitted changes in web/, tasks/, realtime/ or settings/)' if dirty else ''}, "
        f"{platform.node() and 'this machine'}: {os.cpu_count()} cores; the whole run took {seconds / 60:.1f} min.",
        "",
        f"Each drill: Bob uploads {settings.actions} graphs into a group through `POST /api/v1/graphs/` "
        f"({settings.actions_per_second:g} a second, each with an `Idempotency-Key`, a request that got no answer "
        "sent again), while Alice follows her notifications with a long-poll client (token auth, straight to the "
        "realtime process, resuming from its cursor after any failure). A third of the way in, one part fails. "
        "Then the drill waits until every notification is stored (or 300 s) and counts. Beacon's processes (web, "
        "realtime, consumer, Celery worker with 2 processes, beat) run from the Procfile on a Redis (Valkey) and a "
        "Kafka broker (Tansu, memory only) of the drill's own and this machine's PostgreSQL, with Beacon's default "
        f"timings: an event not stored {settings.redeliver_after_seconds:g} s after Kafka took it is sent again "
        f"(`OUTBOX_REDELIVER_AFTER_SECONDS`), a task a killed worker held comes back after "
        f"{settings.visibility_timeout_seconds:g} s (`CELERY_VISIBILITY_TIMEOUT_SECONDS`), beat relays every "
        f"{settings.relay_interval_seconds:g} s; once a part that failed is back, whoever notices has every event in "
        "flight checked within 3 s (`OUTBOX_HEAL_CHECK_SECONDS`). Outages: the Kafka broker "
        f"{settings.kafka_down_seconds:g} s, PostgreSQL {settings.postgres_down_seconds:g} s (at a proxy of the "
        "drill's own in front of it: every connection cut and new ones refused, as a restart does; the server is "
        f"the machine's, shared), beat {settings.beat_down_seconds:g} s, the broker slowed by "
        f"{settings.broker_delay_seconds * 1000:g} ms each way (at a proxy too) for "
        f"{settings.broker_slow_seconds:g} s. "
        "Code: tests/support/faults.py (the same drills run, smaller and with shorter outages, in the test suite: "
        "tests/e2e/test_fault_drills.py).",
        "",
        "- *stored*: Alice's notifications of the graphs the API created, and Bob's own records of them; "
        "*lost* counts both (created minus stored, each); *duplicated*: a graph told twice to one of them.",
        "- *counts*: each one's unread count against their unread rows after the drill.",
        "- *long-poll*: of Alice's stored notifications, how many her client saw; missed, twice, out of order "
        "(a gap in `seq`), explicit resets.",
        "- *5xx*: answers with a 5xx status, to the API and to polls. *no answer*: requests whose connection was "
        "refused or cut (the process was down), sent again by the client.",
        "- *slowest*: the longest time from an action's commit to its notifications stored; *all stored*: "
        "from the end of the burst until the last was; *after the part returned*: from the part's return (or the "
        "burst's end, when later) until the last was stored.",
        "",
        "| fault, a third into a burst of actions | created | stored (Alice / Bob) | lost | duplicated | counts "
        "| long-poll seen / missed / twice / out of order / resets | 5xx (API / polls) | no answer | slowest | "
        "all stored after the burst | after the part returned |",
        "|---|---:|---:|---:|---:|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.fault} | {r.created} | {r.stored} / {r.owner_stored} | **{r.lost}** | **{r.duplicated}** | "
            f"{'equal' if not r.counts_wrong else '; '.join(r.counts_wrong)} | "
            f"{r.seen_by_poller} / {r.poller_missed} / {r.poller_twice} / {r.poller_out_of_order} / "
            f"{r.poller_resets} | **{r.api_server_errors} / {r.poll_server_errors}** | {r.no_answer} | "
            f"{r.slowest_delivery_seconds:.1f} s | {r.seconds_to_all_stored:.1f} s | "
            f"**{r.seconds_to_all_stored_after_return:.1f} s** |")
    if clicks is not None:
        statuses, right_after, later = clicks
        lines += [
            "",
            "**30 page views in 10 s by one browser** (each page's poll left open, then dropped when the next "
            f"page loads, straight to the realtime process): answers before leaving "
            f"{statuses or 'none (each poll was still held when its page was left; no 429)'}; "
            f"held polls right after the last page: {right_after}, a second later: {later} "
            f"(`REALTIME_MAX_POLLS_PER_USER` is 20: no 429 means none were counted against it).",
        ]
    clean = all(r.clean for r in results)
    healed = all(r.seconds_to_all_stored_after_return <= HEALED_WITHIN_SECONDS for r in results)
    lines += ["", f"Target: 0 lost, 0 duplicated, 0 5xx in every row: **{'met' if clean else 'NOT met'}**. "
              f"All stored within {HEALED_WITHIN_SECONDS} s of the part's return in every row: "
              f"**{'met' if healed else 'NOT met'}**.", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
