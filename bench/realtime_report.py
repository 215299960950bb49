"""The realtime benchmark's section of BENCHMARKS.md: how it was measured, issue 12's table and targets, then
each scenario run by run.

Each function below writes one part of it as a list of lines; a part that has nothing to show is empty.
"""

from pathlib import Path

from bench.facts import MAIN
from bench.realtime_figures import (
    best_rate_text,
    each_server,
    figure,
    gc_longest,
    gc_text,
    number,
    spread,
    step_at,
    wake_p99,
)
from bench.realtime_targets import targets

KINDS = ("beacon", "nchan")


def render(results, results_path) -> str:
    runs, p = results.get("runs", []), results["params"]
    lines = [
        *_how_measured(results, results_path),
        *_code_changed(results),
        *_machine(results),
        *_summary(results),
        *_targets(results),
        *_delivery(runs, p, (results.get("extra") or {}).get("delivery_redis_core1")),
        *_holding(runs, p),
        *_fanout(runs, p),
        *_repolls(runs, p, results.get("production_realtime") or {}),
        *_two_processes(runs),
        *_notes(results),
        *_profiles(results.get("profiles") or {}),
    ]
    return "\n".join(lines) + "\n"


def _ran(runs, scenario) -> bool:
    return any(r.get(scenario) for r in runs)


def _code_states(results) -> list[str]:
    """The distinct states of Beacon's code its servers started with."""
    return sorted({state for _, state in results.get("beacon_code") or []})


def _how_measured(results, results_path) -> list[str]:
    nruns = len(results.get("runs", []))
    shown_path = Path(results_path).resolve()
    shown_path = shown_path.relative_to(MAIN) if shown_path.is_relative_to(MAIN) else shown_path
    pubs = results.get("publishers", 1)
    return [
        "# Beacon realtime benchmarks: long-poll vs nginx + nchan\n",
        "Produced by one command, from the project root:\n",
        f"    {results['command']}\n",
        f"Raw figures (bench/out/ is git-ignored): `{shown_path}`; logs and per-step "
        f"files beside it. The whole set ran **{nruns} time{'s' if nruns != 1 else ''}**; a figure "
        "written `a–b (x / y / z)` is the spread of the runs and each run's value, in order, never the best run "
        "alone.\n",
        "**How it is measured.** Each server runs ONE worker pinned to core 0 (`taskset -c 0`): Beacon is "
        "`gunicorn` with `gunicorn.conf.py` (its worker class `realtime.worker.RealtimeWorker`, gunicorn's "
        "gevent_pywsgi worker; run through `bench/gc_probe_gunicorn.py`, which adds "
        "only a `gc.callbacks` hook logging each garbage-collector pass), nchan is Debian's nginx with "
        "`libnginx-mod-nchan` in long-poll mode (`bench/nginx.conf.in`). The bench starts its **own "
        f"redis-server, pinned to core {results.get('redis_core', 0)} with the worker** (nchan has no Redis, so "
        "Beacon's figures include it). The load client (`bench/client.py`, asyncio, one keep-alive connection "
        "per poll, sources 127.0.0.2–127.0.0.9; its own garbage collector off during steps, a pass between "
        "them) and the publishers (`bench/publisher.py`) are pinned to core 1. PostgreSQL is the machine's "
        "server, not pinned. On every answer the client polls again at once: Beacon with the answer's cursor, "
        "nchan with the answer's `Last-Modified`/`Etag` as `If-Modified-Since`/`If-None-Match` (as nchan's JS "
        f"client does). Polls are held {results['hold_seconds']} s (`REALTIME_HOLD_SECONDS`, jitter 0; "
        "`nchan_subscriber_timeout` the same) but in the idle re-poll scenario, so no poll times out during a "
        f"measurement. Beacon's clients authenticate with **{results.get('auth', 'n/a')}** auth.\n",
        "**Beacon's events go through the delivery code the pipeline runs.** Each is a "
        "`NotificationEvent` (a \"watching\" event about one of 1,000 graphs, told to one bench user, by a bench "
        "actor); at each tick a publisher hands the events that are due to ONE "
        "`web.notifications.delivery.deliver_many` call, which stores the Notification rows, numbers them in "
        "each user's stream and commits (PostgreSQL's default `synchronous_commit`), then "
        f"`realtime.publish.publish_events` caches them in Redis and wakes the polls. {pubs} publisher "
        f"process{'es' if pubs != 1 else ''} share{'s' if pubs == 1 else ''} a rate (each its own users; for nchan "
        "too), as the pipeline's Celery worker has 2 processes. **Latency is from `t0`, taken right before "
        "`deliver_many`, to the moment the client has read the whole answer: storing the event is inside it.** "
        "The latency from the start of `publish_events` (what the worker and Redis add) is shown beside it. "
        "nchan's events are `POST /pub/<user>` with Beacon's event copied field for field (about 600 bytes of "
        "JSON), one at a time; `t0` right before the POST. All times are `time.monotonic()` (CLOCK_MONOTONIC, one "
        "clock for all processes).\n",
        f"**Clean** step: p99 < {results['clean']['p99_ms']:.0f} ms, nothing lost (not received within "
        f"{results['lost_after_seconds']:.0f} s after the step), and at least "
        f"{100 * results['clean']['rate_share']:.0f} % of the asked rate reached by the publishers. *Highest clean "
        "rate*: going up from the lowest rate, the last of an unbroken run of clean steps (`≥` when it is the "
        "highest rate tried).\n",
    ]


def _code_changed(results) -> list[str]:
    if len(_code_states(results)) <= 1:
        return []
    return ["> **Beacon's code changed during this run** (commit+hash of uncommitted changes when each Beacon "
            "server started): " + "; ".join(f"`{tag}`: {state}" for tag, state in results["beacon_code"])
            + ". Figures from different states are not comparable with each other.\n"]


def _machine(results) -> list[str]:
    m = results["meta"]
    states = _code_states(results)
    load = " → ".join(", ".join(f"{x:.2f}" for x in m[k]) for k in ("loadavg_start", "loadavg_end") if m.get(k))
    return [
        "## Machine\n",
        f"- CPU: {m['cpu']}, {m['cores']} cores; {m['memory_gib']} GiB; {m['os']}, kernel {m['kernel']}",
        *([f"- Beacon's code, the same for every scenario: commit {states[0]} (`+hash`: uncommitted changes to "
           "realtime/, settings/, web/, requirements/ or gunicorn.conf.py)"] if len(states) == 1 else []),
        f"- Python {m['python']}, " + ", ".join(f"{k} {v}" for k, v in m["packages"].items()),
        f"- nginx {m['nginx']}, libnginx-mod-nchan {m['nchan']}; PostgreSQL {m['postgresql']}; Redis {m['redis']} "
        "(the bench's own server)",
        f"- net.core.somaxconn {m['somaxconn']}, ip_local_port_range {m['ip_local_port_range']}; "
        "`ulimit -n` 20000 for servers and client",
        f"- Whole run: {results.get('elapsed_seconds', 0) / 60:.1f} min (forecast "
        f"{results.get('forecast_minutes', 0):.0f} min); load average (1, 5, 15 min) at its start → end: "
        f"{load or '?'} (the bench's own processes count in the end figure)\n",
    ]


def _summary(results) -> list[str]:
    """Issue 12's table: each measure for nchan, Beacon before (when given) and Beacon."""
    p = results["params"]
    runs = results.get("runs", [])
    before = results.get("before")
    bruns = (before or {}).get("runs", [])
    hold_n, dn = p["hold_polls"], p["delivery_polls"]
    lines = ["## Summary\n"]
    if before:
        bstates = sorted({state for _, state in before.get("beacon_code") or []})
        lines += [f"*Beacon before*: the same benchmark on an earlier state of Beacon's code "
                  f"({', '.join(bstates) or '?'}), run {len(before['runs'])} time(s): `{before.get('command', '?')}` "
                  f"(raw figures `{before.get('path', '?')}`).\n",
                  "| measure | nchan | Beacon before | Beacon |",
                  "|---|---|---|---|"]
    else:
        lines += ["| measure | nchan | Beacon |", "|---|---|---|"]

    def row(name, fn, digits=1, unit=""):
        vals = {k: [fn(r, k) for r in runs] for k in ("nchan", "beacon")}
        old = [fn(r, "beacon") for r in bruns]
        if any(v is not None for vs in (*vals.values(), old) for v in vs):
            lines.append(f"| {name} | {spread(vals['nchan'], digits, unit)} | "
                         + (f"{spread(old, digits, unit)} | " if before else "")
                         + f"{spread(vals['beacon'], digits, unit)} |")

    def beacon_only(fn):
        return lambda r, k: fn(r, k) if k == "beacon" else None

    if _ran(runs, "delivery"):
        lines.append(f"| highest clean rate, {dn:,} held | {best_rate_text(runs, 'nchan')} | "
                     + (f"{best_rate_text(bruns, 'beacon')} | " if before else "")
                     + f"{best_rate_text(runs, 'beacon')} |")
        for rate in (1000, 2000):
            row(f"p99 at {rate:,}/s, {dn:,} held (ms)", lambda r, k, rate=rate: (step_at(r, k, rate) or {}).get(
                "p99_ms"), 2)
            row(f"rate reached when {rate:,}/s asked", lambda r, k, rate=rate: (step_at(r, k, rate) or {}).get(
                "publisher", {}).get("achieved_rate"), 0, "/s")
        row("Beacon: p99 at 2,000/s from `publish_events` (ms)",
            beacon_only(lambda r, k: (step_at(r, k, 2000) or {}).get("p99_from_publish_ms")), 2)
    if dn != hold_n:
        row(f"memory per held poll, {dn:,} held (kB)", lambda r, k: figure(r, "delivery", k, "kb_per_poll"))
    row(f"memory per held poll, {hold_n:,} held (kB)", lambda r, k: figure(r, "hold", k, "kb_per_poll"))
    row(f"accepting {hold_n:,} polls (s)", lambda r, k: figure(r, "hold", k, "accept_seconds"), 2)
    row(f"p99 with {hold_n:,} held at {p['hold_rate']:,}/s (ms)",
        lambda r, k: figure(r, "hold", k, "events", "p99_ms"), 2)
    row(f"longest GC pause, {hold_n:,} held, {p['hold_rate']:,}/s (ms)",
        beacon_only(lambda r, k: gc_longest(figure(r, "hold", k, "events"))))
    row(f"fan-out to {p['fanout_users']:,} users, last has it (ms, median of {p['fanout_trials']} trials)",
        lambda r, k: figure(r, "fanout", k, "last_ms_median"))
    row("Beacon fan-out: of which `deliver_many` call (ms)",
        beacon_only(lambda r, k: figure(r, "fanout", k, "call_ms_median")))
    row("Beacon fan-out: last has it, from `publish_events` (ms)",
        beacon_only(lambda r, k: figure(r, "fanout", k, "last_from_publish_ms_median")))
    row("worker CPU per idle re-poll (ms)", lambda r, k: figure(r, "repoll", k, "cpu_ms_per_repoll"), 3)
    return [*lines, ""]


def _targets(results) -> list[str]:
    found = targets(results)
    if not found:
        return []
    lines = ["## Targets (issue 12)\n", "| target | met? | runs met | measured |", "|---|---|---|---|"]
    for t in found:
        verdict = "not run" if t["met"] is None else "**met**" if t["met"] else "**missed**"
        lines.append(f"| {t['target']} | {verdict} | {t['runs_met']} | {t['figure']} |")
    return [*lines, ""]


def _delivery(runs, p, redis_core1) -> list[str]:
    if not _ran(runs, "delivery"):
        return []
    return [
        f"## Delivery: {p['delivery_polls']:,} held polls, events to one user each, {p['delivery_seconds']:.0f} s "
        "per rate\n",
        "Each cell: the runs in order. *reached*: events stored (Beacon) or posted (nchan) per second. "
        "*from publish*: Beacon's latency from the start of `publish_events` instead of `deliver_many`. "
        "*wake→answer*: from the worker's own histogram `beacon_realtime_wakeup_to_answer_seconds` (a Redis "
        "wake-up reaching the worker to the answer being written; the upper bound of the bucket of its p99). *CPU*: "
        "the worker's (Beacon's Redis server's beside it), % of one core. *GC*: Beacon's longest "
        "garbage-collector pass in the step.\n",
        "| rate/s | reached B | reached n | p50 B ms | p99 B ms | p99 B from publish | B wake→answer p99 ≤ ms | "
        "p99 n ms | lost B / n | CPU B (Redis) | CPU n | GC B ms | clean B / n |",
        "|---:|---|---|---|---|---|---|---|---|---|---|---|---|",
        *_delivery_rows(runs),
        "",
        *_delivery_notes(runs),
        *_delivery_redis_core1(redis_core1),
    ]


def _delivery_rows(runs) -> list[str]:
    """A row a rate, each cell the runs' figures in order."""
    rates = sorted({s["rate"] for r in runs for k in KINDS for s in (figure(r, "delivery", k) or {}).get("steps", [])})
    rows = []
    for rate in rates:
        b = [step_at(r, "beacon", rate) for r in runs]
        c = [step_at(r, "nchan", rate) for r in runs]
        rows.append(
            f"| {rate:,} | {_each(_of(b, 'publisher', 'achieved_rate'), 0)} | "
            f"{_each(_of(c, 'publisher', 'achieved_rate'), 0)} | {_each(_of(b, 'p50_ms'), 2)} | "
            f"{_each(_of(b, 'p99_ms'), 1)} | {_each(_of(b, 'p99_from_publish_ms'), 1)} | "
            f"{' / '.join(wake_p99(x) for x in b)} | "
            f"{_each(_of(c, 'p99_ms'), 2)} | "
            f"{_each(_of(b, 'lost'), 0)} / {_each(_of(c, 'lost'), 0)} | "
            + " / ".join(f"{number(s and s['server_cpu_pct'], 0)}% ({number(s and s['redis_cpu_pct'], 0)}%)"
                         for s in b)
            + f" | {_each(_of(c, 'server_cpu_pct'), 0)} | {' / '.join(gc_text(s, 0) for s in b)} | "
            f"{_clean_marks(b)} / {_clean_marks(c)} |")
    return rows


def _of(steps, *keys) -> list:
    """Each step's figure at ``keys`` (None for a step not run)."""
    values = []
    for s in steps:
        for k in keys:
            s = s and s.get(k)
        values.append(s)
    return values


def _each(values, digits=1) -> str:
    return " / ".join(number(v, digits) for v in values)


def _clean_marks(steps) -> str:
    return "".join("—" if s is None else "y" if s["clean"] else "n" for s in steps)


def _delivery_notes(runs) -> list[str]:
    notes = []
    for i, r in enumerate(runs, 1):
        for kind in KINDS:
            for s in (figure(r, "delivery", kind) or {}).get("steps", []):
                if s["duplicates"]:
                    notes.append(f"run {i}, {kind} {s['rate']}/s: {s['duplicates']} events received twice.")
                if s.get("worker_restarted"):
                    notes.append(f"run {i}, {kind} {s['rate']}/s: the worker was restarted.")
                if s["publisher"].get("publish_errors"):
                    notes.append(f"run {i}, {kind} {s['rate']}/s: {s['publisher']['publish_errors']} publish "
                                 "errors logged by the delivery code.")
    return [f"- {n}" for n in notes] + ([""] if notes else [])


def _delivery_redis_core1(extra) -> list[str]:
    if not extra:
        return []
    lines = ["**Labelled extra run: Beacon with the bench's Redis on core 1** (with the client and publishers, "
             "not with the worker), one run:\n",
             "| rate/s | reached | p50 ms | p99 ms | p99 from publish | lost | CPU (Redis) | GC ms | clean |",
             "|---:|---:|---:|---:|---:|---:|---|---:|---|"]
    for s in extra["steps"]:
        lines.append(f"| {s['rate']:,} | {s['publisher']['achieved_rate']:.0f} | {number(s['p50_ms'], 2)} | "
                     f"{number(s['p99_ms'], 1)} | {number(s['p99_from_publish_ms'], 1)} | {s['lost']} | "
                     f"{s['server_cpu_pct']:.0f}% ({s['redis_cpu_pct']:.0f}%) | {gc_text(s, 0)} | "
                     f"{'yes' if s['clean'] else 'no'} |")
    best = extra["best_rate"]
    return [*lines, f"\nHighest clean rate with Redis on core 1: {f'{best:,}/s' if best else 'none'}.\n"]


def _holding(runs, p) -> list[str]:
    if not _ran(runs, "hold"):
        return []
    lines = [
        f"## Holding {p['hold_polls']:,} polls, then {p['hold_rate']:,} events/s for {p['hold_seconds']:.0f} s\n",
        "*accept*: from the client's first connect until the server reports all of them held "
        "(`/realtime/healthz` `held_polls`, nchan's `subscribers`, read every 50 ms); *client's own ramp*: until "
        "the load client had opened every connection and sent every request, which bounds *accept* from below "
        "(nchan's figure shows how fast the client can go). *kB/poll*: growth of the "
        "worker's resident memory (VmRSS) from its warmed-up baseline to all held, divided by the number held "
        "(nginx's includes the pages of nchan's shared memory it touched; kernel socket buffers are in neither). "
        f"*idle CPU*: the worker over {p['idle_window']:.0f} s with all held and nothing happening. Then events "
        "flow to those users; *GC*: Beacon's longest garbage-collector pass meanwhile "
        "(all passes of 1 ms or more are logged; by generation below).\n",
        "| run | server | accept s | client's own ramp s | kB/poll | RSS MiB | idle CPU | reached/s | p50 ms | "
        "p99 ms | lost | CPU | GC longest ms |",
        "|---:|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for i, kind, h in each_server(runs, "hold"):
        e = h.get("events") or {}
        lines.append(
            f"| {i} | {kind} | {number(h['accept_seconds'], 2)} | {number(h.get('client_ramp_seconds'), 2)} | "
            f"{number(h['kb_per_poll'])} | "
            f"{h['rss_base_kb'] / 1024:.0f} → {h['rss_held_kb'] / 1024:.0f} | {h['idle_cpu_pct']:.1f}% | "
            f"{number(e.get('publisher', {}).get('achieved_rate'), 0)} | {number(e.get('p50_ms'), 2)} | "
            f"{number(e.get('p99_ms'), 1)} | {e.get('lost', '—')} | {number(e.get('server_cpu_pct'), 0)}% | "
            f"{gc_text(e) if kind == 'beacon' else '—'} |")
    lines.append("")
    for i, r in enumerate(runs, 1):
        lines += _holding_notes(i, figure(r, "hold", "beacon"))
    return [*lines, ""]


def _holding_notes(i, held) -> list[str]:
    """Beacon's garbage-collector passes in run ``i``'s hold, and how it broke if it held fewer than asked."""
    e = (held or {}).get("events") or {}
    notes = []
    gc = e.get("gc")
    if gc and gc["by_generation"]:
        notes.append(f"- run {i}, Beacon's passes of {gc['logged_from_ms']:g} ms or more over {gc['seconds']} s: "
                     + "; ".join(f"{g}: {v['passes']} passes, {v['total_ms']:.0f} ms in all, longest "
                                 f"{v['max_ms']:.1f} ms" for g, v in sorted(gc["by_generation"].items())))
    elif gc:
        notes.append(f"- run {i}: no garbage-collector pass of Beacon's worker lasted {gc['logged_from_ms']:g} ms "
                     "or more.")
    metric = e.get("gc_metric")
    if metric:
        notes.append(f"- run {i}, the worker's own `beacon_realtime_gc_pause_seconds` over the step: "
                     f"{metric['passes']} passes, {metric['over_10ms']} over 10 ms, the longest at most "
                     f"{number(metric['longest_at_most_ms'], 1)} ms (its bucket); longest since start "
                     f"{metric['max_since_start_ms']:.1f} ms.")
    if held and held.get("broke"):
        br = held["broke"]
        notes.append(f"- run {i}: **Beacon held only {br['held']:,} of {br['wanted']:,}.** Client counts "
                     f"{br['client_counts']}; server log tail: `{br['server_log_tail'][-300:].strip()}`")
    return notes


def _fanout(runs, p) -> list[str]:
    if not _ran(runs, "fanout"):
        return []
    lines = [
        f"## Fan-out: one action told to {p['fanout_users']:,} users, one poll each, {p['fanout_trials']} trials "
        "a run\n",
        "Beacon: the action's events as `web.notifications.audience.Audience` builds them (one event per 500 "
        "recipients, one action id), stored and published by ONE `deliver_many` call; nchan: one "
        "`POST /pub/<user>` per user, all pipelined on one connection. *last*: from `t0` until the last poll "
        "has it (median of the trials; worst in brackets).\n",
        "| run | server | last ms | p50 ms | deliver_many call ms | last from publish_events ms | missing | "
        "worker CPU ms |",
        "|---:|---|---|---:|---:|---:|---:|---:|",
    ]
    for i, kind, f in each_server(runs, "fanout"):
        lines.append(
            f"| {i} | {kind} | {number(f['last_ms_median'])} ({number(f['last_ms_max'])}) | "
            f"{number(f['p50_ms_median'])} | "
            f"{number(f['call_ms_median']) if kind == 'beacon' else '—'} | "
            f"{number(f['last_from_publish_ms_median']) if kind == 'beacon' else '—'} | {f['missing']} | "
            f"{number(f['cpu_ms_median'], 0)} |")
    return [*lines, ""]


def _repolls(runs, p, prod) -> list[str]:
    """``prod``: production's hold, jitter and credential cache, which the scenario scales down."""
    if not _ran(runs, "repoll"):
        return []
    xb = next((figure(r, "repoll", "beacon") for r in runs if figure(r, "repoll", "beacon")), None)
    xn = next((figure(r, "repoll", "nchan") for r in runs if figure(r, "repoll", "nchan")), None)
    text = ""
    if xb:
        text += (f"Beacon holds a poll {xb['hold_seconds']:g} s plus up to {xb['jitter_seconds']:g} s, and its "
                 f"credential cache lasts {xb['cache_seconds']:g} s: production's values "
                 f"({prod.get('REALTIME_HOLD_SECONDS', '?')} s + {prod.get('REALTIME_HOLD_JITTER_SECONDS', '?')} s, "
                 f"cache {prod.get('REALTIME_SESSION_CACHE_SECONDS', '?')} s) divided by {p['repoll_scale']}, so "
                 "each re-poll meets the cache at the same point of its life as in production. ")
    if xn:
        text += f"nchan holds {xn['hold_seconds']:g} s (`nchan_subscriber_timeout` takes whole seconds). "
    lines = [
        f"## Idle re-polls: {(xb or xn)['polls']:,} polls whose holds end with nothing new\n",
        text + "Each answer is re-polled at once with the same cursor (nchan: after its 408, with the same "
        f"`If-Modified-Since`). *CPU per re-poll*: the worker's CPU over {p['repoll_window']:.0f} s divided by "
        "the re-polls answered in it. *PostgreSQL*: transactions committed in the bench database per re-poll "
        "(pg_stat_database).\n",
        "| run | server | re-polls/s | worker CPU ms per re-poll | Redis CPU ms per re-poll | PostgreSQL xacts per "
        "re-poll |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    for i, kind, y in each_server(runs, "repoll"):
        lines.append(f"| {i} | {kind} | {y['repolls_per_second']:.0f} | {number(y['cpu_ms_per_repoll'], 3)} | "
                     f"{number(y.get('redis_cpu_ms_per_repoll'), 3)} | {number(y.get('pg_xacts_per_repoll'), 2)} |")
    return [*lines, ""]


def _two_processes(runs) -> list[str]:
    if not any(figure(r, "twoproc", "beacon") for r in runs):
        return []
    lines = [
        "## Two realtime processes, re-polls landing on either at random\n",
        "Two Beacon realtime processes (one gunicorn worker each, both on core 0 with Redis), no sticky "
        "sessions: the load client stands in for a router and sends each poll, and each re-poll after an "
        "answer, to one of the two at random (a re-poll for the other process closes the connection and "
        "opens one to it). The cursor in the re-poll is all either process needs. *repeated*: an event (user, "
        "seq) received more than once; *out of order*: a user's event received after one with a higher seq.\n",
        "| run | held (each) | rate reached/s | re-polls moved | lost | repeated | out of order | p50 ms | p99 ms |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for i, r in enumerate(runs, 1):
        t = figure(r, "twoproc", "beacon")
        if t:
            lines.append(_two_processes_row(i, t))
    return [*lines, ""]


def _two_processes_row(i, t) -> str:
    s = t["step"]
    return (f"| {i} | {t['held_at_start']:,} ({' + '.join(f'{h:,}' for h in t['held_each'])}) | "
            f"{s['publisher']['achieved_rate']:.0f} | {t['switched_server']:,} | {s['lost']} | "
            f"{s['duplicates']} | {t['out_of_order']} | {number(s['p50_ms'], 2)} | {number(s['p99_ms'], 1)} |")


def _notes(results) -> list[str]:
    share = 100 * results["clean"]["rate_share"]
    return [
        "## Notes\n",
        *_client_stalls(results.get("runs", [])),
        "- Core 1 runs the load client and the publishers (and py-spy in the profiling pass); core 0 the worker "
        "and, for Beacon, its Redis server. PostgreSQL is not pinned: its work for `deliver_many` (and the "
        "worker's reads) runs on whichever core is free, so on this two-core machine it competes with both sides.",
        "- Beacon's latency includes storing the event (`deliver_many`: the Notification rows, the stream "
        "numbering, the commit) because that is where the pipeline's batch starts; nchan has nothing to store. "
        "The *from publish* figures leave the store out and compare with nchan's POST more closely.",
        f"- A step whose publishers reached less than {share:.0f} % of the asked rate is not clean, whatever its "
        "latency: the delivery code (or the machine) could not store that many.",
        "- nchan answers `202` instead of `201` to a publish that finds no subscriber at that instant (the user's "
        "poll was between an answer and its re-poll); the message waits in the channel's buffer and the re-poll "
        "gets it, so it is not lost.",
        "",
    ]


def _client_stalls(runs) -> list[str]:
    """A note on the steps in which the load client's loop was late: it may be in their latency."""
    stalls = []
    for i, r in enumerate(runs, 1):
        for scenario, kind, step in ([("delivery", k, st) for k in KINDS
                                      for st in (figure(r, "delivery", k) or {}).get("steps", [])]
                                     + [("hold", k, figure(r, "hold", k, "events")) for k in KINDS]
                                     + [("two processes", "beacon", figure(r, "twoproc", "beacon", "step"))]):
            lag = (step or {}).get("client_loop_lag_max_ms")
            if lag is not None and lag > 50:
                stalls.append(f"run {i} {scenario} {kind} {step['rate']}/s: {lag:.0f} ms")
    if not stalls:
        return []
    return ["- **The load client's loop was late by more than 50 ms** in these steps (so the client, not only the "
            "server, may be in their latency): " + "; ".join(stalls) + "."]


def _profiles(profiles) -> list[str]:
    if not profiles:
        return []
    lines = ["## py-spy on the Beacon worker (a separate run, after the measured ones)\n",
             "`py-spy record --rate 250` on the worker, run on core 1, in a separate run of the scenario whose "
             "target was missed (its figures are not the ones above: py-spy pauses the worker for each sample). "
             "Percentages are of the samples in which the worker's loop was busy; the idle samples of gevent's "
             "resolver thread pool are left out. The raw stacks are in the run's folder.\n"]
    for name, prof in profiles.items():
        lines += _profile(name, prof)
    return lines


def _profile(name, prof) -> list[str]:
    """One scenario's profile: its busiest functions on the stack, then by their own time."""
    summary = prof.get("profile")
    lines = []
    if summary is None and prof.get("steps"):
        s = prof["steps"][0]
        summary = s.get("profile")
        lines.append(f"**{name}** at {prof['rate']}/s (p50 {s['p50_ms']} ms, p99 {s['p99_ms']} ms, lost {s['lost']}, "
                     f"CPU {s['server_cpu_pct']:.0f}%), {summary and summary.get('samples')} samples:\n")
    elif summary:
        lines.append(f"**{name}**, {summary.get('samples')} samples:\n")
    if not summary or summary.get("error"):
        return [*lines, f"(py-spy failed or is missing: {summary and summary.get('error')})\n"]
    return [*lines, "| % of samples on stack | function |", "|---:|---|",
            *(f"| {v} | `{f}` |" for f, v in summary["inclusive"][:18]),
            "",
            "Own time (leaf frames): " + "; ".join(f"`{f}` {v}%" for f, v in summary["own"][:8]) + "\n"]
