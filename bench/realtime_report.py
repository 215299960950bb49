"""The realtime benchmark's section of BENCHMARKS.md: how it was measured, the summary table, its plots and
issue 20's targets, each scenario run by run (bench/realtime_scenarios.py), notes and profiles.

Each function below writes one part of it as a list of lines; a part that has nothing to show is empty.
"""

from pathlib import Path

from bench import realtime_scenarios
from bench.facts import MAIN
from bench.quiet import describe as quiet_line
from bench.realtime_figures import KINDS, best_rate_text, figure, gc_longest, ran, spread, step_at
from bench.realtime_targets import targets


def render(results, results_path, plots=()) -> str:
    """The section; ``plots``: (title, path from the report's folder) of bench/realtime_plots.py's drawings."""
    runs, p = results.get("runs", []), results["params"]
    lines = [
        *_how_measured(results, results_path),
        *_code_changed(results),
        *_machine(results),
        *_summary(results),
        *_plots(plots),
        *_targets(results),
        *realtime_scenarios.delivery(runs, p, (results.get("extra") or {}).get("delivery_redis_core1")),
        *realtime_scenarios.holding(runs, p),
        *realtime_scenarios.fanout(runs, p),
        *realtime_scenarios.repolls(runs, p, results.get("production_realtime") or {}),
        *realtime_scenarios.two_processes(runs),
        *_notes(results),
        *_profiles(results.get("profiles") or {}),
    ]
    return "\n".join(lines) + "\n"


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
        f"{load or '?'} (the bench's own processes count in the end figure)",
        f"- {quiet_line(results.get('machine'))}\n",
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

    if ran(runs, "delivery"):
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


def _plots(plots) -> list[str]:
    if not plots:
        return []
    lines = ["## Plots\n", "Drawn by the same command from the same results (`bench/realtime_plots.py`).\n"]
    for title, path in plots:
        lines.append(f"![{title}]({path})\n")
    return lines


def _targets(results) -> list[str]:
    found = targets(results)
    if not found:
        return []
    lines = ["## Targets (issue 20)\n", "| target | met? | runs met | measured |", "|---|---|---|---|"]
    for t in found:
        verdict = "not run" if t["met"] is None else "**met**" if t["met"] else "**missed**"
        lines.append(f"| {t['target']} | {verdict} | {t['runs_met']} | {t['figure']} |")
    return [*lines, ""]


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
