"""Target checks and the BENCHMARKS.md text of the realtime benchmark."""

from pathlib import Path

from bench.facts import MAIN

# -- the report: issue 12's table, its targets, then each scenario run by run

def _ms(v, digits=1):
    return "—" if v is None else f"{v:,.{digits}f}"


def _spread(values, digits=1, unit=""):
    """All runs: 'min–max (run 1 / run 2 / run 3)'; one run: its value. Never the best run alone."""
    shown = [None if v is None else round(v, digits) for v in values]
    if not shown:
        return "—"
    fmt = lambda v: "—" if v is None else f"{v:,.{digits}f}{unit}"  # noqa: E731
    if len(shown) == 1:
        return fmt(shown[0])
    present = [v for v in shown if v is not None]
    if not present:
        return "—"
    lo, hi = min(present), max(present)
    rng = fmt(lo) if lo == hi else f"{fmt(lo)}–{fmt(hi)}"
    return f"{rng} ({' / '.join(fmt(v) for v in shown)})"


def _get(run, scenario, kind, *keys):
    v = run.get(scenario, {}).get(kind)
    for k in keys:
        if v is None:
            return None
        v = v.get(k) if isinstance(v, dict) else None
    return v


def _step(run, kind, rate):
    d = _get(run, "delivery", kind)
    return next((s for s in (d or {}).get("steps", []) if s["rate"] == rate), None)


def _gc_longest(step):
    """The longest pass the probe logged in the step (0.0: none as long as it logs from); failing that,
    the upper bound of its bucket in the worker's own histogram."""
    if not step:
        return None
    gc = step.get("gc")
    if gc is not None:
        return gc["longest_ms"]
    metric = step.get("gc_metric")
    return None if metric is None else metric["longest_at_most_ms"]


def _gc_text(step, digits=1):
    v = _gc_longest(step)
    if v is None:
        return "—"
    if step.get("gc") is not None and v < step["gc"]["logged_from_ms"]:
        return f"< {step['gc']['logged_from_ms']:g}"
    return f"{v:,.{digits}f}" if step.get("gc") is not None else f"≤ {v:g}"


def _wake_p99(step):
    wake = (step or {}).get("wakeup_to_answer")
    if not wake or not wake.get("count"):
        return "—"
    if wake["p99_at_most_ms"] is None:
        return f"> {wake['last_bound_ms']:,.0f}"
    return f"{wake['p99_at_most_ms']:,.1f}"


def _best_rate_text(runs, kind):
    vals = [_get(r, "delivery", kind, "best_rate") for r in runs]
    if not any(_get(r, "delivery", kind) for r in runs):
        return "—"
    top = max((max(_get(r, "delivery", kind, "tested") or [0]) for r in runs), default=0)
    parts = ["none" if v is None else (f"≥ {v:,}/s" if v == top else f"{v:,}/s") for v in vals]
    same = len(set(parts)) == 1
    return f"{parts[0]} ({len(runs)} of {len(runs)} runs)" if same and len(runs) > 1 else " / ".join(parts)


def targets(results) -> list[dict]:
    """Issue 12's targets for the realtime worker; met means met in every run."""
    runs = results.get("runs", [])
    clean = results.get("clean", {"p99_ms": 100.0, "rate_share": 0.95})
    out = []

    def add(name, per_run, figure):
        seen = [m for m in per_run if m is not None]
        out.append({"target": name, "met": None if not seen else all(seen),
                    "runs_met": f"{sum(seen)} of {len(seen)}" if seen else "not run", "figure": figure})

    steps = [_step(r, "beacon", 2000) for r in runs]
    if any(steps):
        add(f"clean (p99 < {clean['p99_ms']:.0f} ms, nothing lost, ≥ {100 * clean['rate_share']:.0f} % of the rate "
            "reached) at 2,000/s, 10,000 held, Redis pinned with the worker",
            [None if s is None else s["clean"] for s in steps],
            f"p99 {_spread([s and s['p99_ms'] for s in steps])} ms, reached "
            f"{_spread([s and s['publisher']['achieved_rate'] for s in steps], 0)}/s, lost "
            f"{_spread([s and s['lost'] for s in steps], 0)}")
    holds = [_get(r, "hold", "beacon") for r in runs]
    if any(holds):
        gcs = [_gc_longest(h and h.get("events")) for h in holds]
        over = [((h or {}).get("events") or {}).get("gc_metric", {}).get("over_10ms") for h in holds]
        n = next(h for h in holds if h)["n"]
        add(f"no garbage-collector pause over 10 ms with {n:,} held while events flow",
            [None if g is None else (g <= 10 and not o) for g, o in zip(gcs, over)],
            f"longest pause {_spread(gcs)} ms" + (f"; passes over 10 ms by the worker's own metric "
                                                  f"{_spread(over, 0)}" if any(o is not None for o in over) else ""))
        kb = [h and h["kb_per_poll"] for h in holds]
        add("≤ 15 kB per held poll", [None if v is None else v <= 15 for v in kb], f"{_spread(kb)} kB")
        acc = [h and h["accept_seconds"] for h in holds]
        add(f"{n:,} polls accepted in under 3 s", [None if h is None else (h["accept_seconds"] is not None
                                                                            and h["accept_seconds"] < 3) for h in holds],
            f"{_spread(acc, 2)} s")
    fans = [_get(r, "fanout", "beacon") for r in runs]
    if any(fans):
        lasts = [f and f["last_ms_median"] for f in fans]
        n = next(f for f in fans if f)["users"]
        add(f"fan-out to {n:,} users, one poll each, last has it < 100 ms (from deliver_many)",
            [None if f is None else (f["last_ms_median"] is not None and f["last_ms_median"] < 100 and not f["missing"])
             for f in fans], f"{_spread(lasts)} ms (median of the trials in each run)")
    reps = [_get(r, "repoll", "beacon") for r in runs]
    if any(reps):
        cpu = [x and x["cpu_ms_per_repoll"] for x in reps]
        add("an idle re-poll costs ≤ 0.25 ms of worker CPU",
            [None if v is None else v <= 0.25 for v in cpu], f"{_spread(cpu, 3)} ms")
    twos = [_get(r, "twoproc", "beacon") for r in runs]
    if any(twos):
        add("two realtime processes, re-polls to either at random: nothing lost or repeated",
            [None if t is None else (t["step"]["lost"] == 0 and t["step"]["duplicates"] == 0 and t["out_of_order"] == 0)
             for t in twos],
            f"lost {_spread([t and t['step']['lost'] for t in twos], 0)}, repeated "
            f"{_spread([t and t['step']['duplicates'] for t in twos], 0)}")
    return out


def render(results, results_path) -> str:
    m = results["meta"]
    p = results["params"]
    runs = results.get("runs", [])
    nruns = len(runs)
    L = []
    w = L.append
    w("# Beacon realtime benchmarks: long-poll vs nginx + nchan\n")
    w("Produced by one command, from the project root:\n")
    w(f"    {results['command']}\n")
    shown_path = Path(results_path).resolve()
    shown_path = shown_path.relative_to(MAIN) if shown_path.is_relative_to(MAIN) else shown_path
    w(f"Raw figures (bench/out/ is git-ignored): `{shown_path}`; logs and per-step "
      f"files beside it. The whole set ran **{nruns} time{'s' if nruns != 1 else ''}**; a figure "
      "written `a–b (x / y / z)` is the spread of the runs and each run's value, in order, never the best run "
      "alone.\n")
    pubs = results.get("publishers", 1)
    w("**How it is measured.** Each server runs ONE worker pinned to core 0 (`taskset -c 0`): Beacon is "
      "`gunicorn` with `gunicorn.conf.py` (its worker class `realtime.worker.RealtimeWorker`, gunicorn's gevent_pywsgi worker; run through `bench/gc_probe_gunicorn.py`, which adds "
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
      f"measurement. Beacon's clients authenticate with **{results.get('auth', 'n/a')}** auth.\n")
    w("**Beacon's events go through the delivery code the pipeline runs.** Each is a "
      "`NotificationEvent` (a \"watching\" event about one of 1,000 graphs, told to one bench user, by a bench "
      "actor); at each tick a publisher hands the events that are due to ONE "
      "`web.notifications.delivery.deliver_many` call, which stores the Notification rows, numbers them in "
      "each user's stream and commits (PostgreSQL's default `synchronous_commit`), then "
      f"`realtime.publish.publish_events` caches them in Redis and wakes the polls. {pubs} publisher "
      f"process{'es' if pubs != 1 else ''} share{'s' if pubs == 1 else ''} a rate (each its own users; for nchan "
      "too), as the pipeline's Celery worker has 2 processes. **Latency is from `t0`, taken right before `deliver_many`, "
      "to the moment the client has read the whole answer: storing the event is inside it.** The latency "
      "from the start of `publish_events` (what the worker and Redis add) is shown beside it. nchan's events "
      "are `POST /pub/<user>` with Beacon's event copied field for field (about 600 bytes of JSON), one at a time; `t0` right "
      "before the POST. All times are `time.monotonic()` (CLOCK_MONOTONIC, one clock for all processes).\n")
    w(f"**Clean** step: p99 < {results['clean']['p99_ms']:.0f} ms, nothing lost (not received within "
      f"{results['lost_after_seconds']:.0f} s after the step), and at least "
      f"{100 * results['clean']['rate_share']:.0f} % of the asked rate reached by the publishers. *Highest clean "
      "rate*: going up from the lowest rate, the last of an unbroken run of clean steps (`≥` when it is the "
      "highest rate tried).\n")

    states = results.get("beacon_code") or []
    distinct = sorted({state for _, state in states})
    if len(distinct) > 1:
        w("> **Beacon's code changed during this run** (commit+hash of uncommitted changes when each Beacon "
          "server started): " + "; ".join(f"`{tag}`: {state}" for tag, state in states)
          + ". Figures from different states are not comparable with each other.\n")
    w("## Machine\n")
    pk = m["packages"]
    w(f"- CPU: {m['cpu']}, {m['cores']} cores; {m['memory_gib']} GiB; {m['os']}, kernel {m['kernel']}")
    if len(distinct) == 1:
        w(f"- Beacon's code, the same for every scenario: commit {distinct[0]} (`+hash`: uncommitted changes to "
          "realtime/, settings/, web/, requirements/ or gunicorn.conf.py)")
    w(f"- Python {m['python']}, " + ", ".join(f"{k} {v}" for k, v in pk.items()))
    w(f"- nginx {m['nginx']}, libnginx-mod-nchan {m['nchan']}; PostgreSQL {m['postgresql']}; Redis {m['redis']} "
      "(the bench's own server)")
    w(f"- net.core.somaxconn {m['somaxconn']}, ip_local_port_range {m['ip_local_port_range']}; "
      "`ulimit -n` 20000 for servers and client")
    load = " → ".join(", ".join(f"{x:.2f}" for x in m[k]) for k in ("loadavg_start", "loadavg_end") if m.get(k))
    w(f"- Whole run: {results.get('elapsed_seconds', 0) / 60:.1f} min (forecast "
      f"{results.get('forecast_minutes', 0):.0f} min); load average (1, 5, 15 min) at its start → end: {load or '?'} "
      "(the bench's own processes count in the end figure)\n")

    # -- issue 12's table
    hold_n = p["hold_polls"]
    dn = p["delivery_polls"]
    before = results.get("before")
    w("## Summary\n")
    if before:
        bstates = sorted({state for _, state in before.get("beacon_code") or []})
        w(f"*Beacon before*: the same benchmark on an earlier state of Beacon's code "
          f"({', '.join(bstates) or '?'}), run {len(before['runs'])} time(s): `{before.get('command', '?')}` "
          f"(raw figures `{before.get('path', '?')}`).\n")
        w("| measure | nchan | Beacon before | Beacon |")
        w("|---|---|---|---|")
    else:
        w("| measure | nchan | Beacon |")
        w("|---|---|---|")
    bruns = (before or {}).get("runs", [])

    def row(name, fn, digits=1, unit=""):
        vals = {k: [fn(r, k) for r in runs] for k in ("nchan", "beacon")}
        old = [fn(r, "beacon") for r in bruns]
        if not any(v is not None for vs in (*vals.values(), old) for v in vs):
            return
        w(f"| {name} | {_spread(vals['nchan'], digits, unit)} | "
          + (f"{_spread(old, digits, unit)} | " if before else "") + f"{_spread(vals['beacon'], digits, unit)} |")

    if any(r.get("delivery") for r in runs):
        w(f"| highest clean rate, {dn:,} held | {_best_rate_text(runs, 'nchan')} | "
          + (f"{_best_rate_text(bruns, 'beacon')} | " if before else "") + f"{_best_rate_text(runs, 'beacon')} |")
        for rate in (1000, 2000):
            row(f"p99 at {rate:,}/s, {dn:,} held (ms)", lambda r, k, rate=rate: (_step(r, k, rate) or {}).get("p99_ms"), 2)
            row(f"rate reached when {rate:,}/s asked", lambda r, k, rate=rate: (_step(r, k, rate) or {}).get(
                "publisher", {}).get("achieved_rate"), 0, "/s")
        row("Beacon: p99 at 2,000/s from `publish_events` (ms)",
            lambda r, k: (_step(r, k, 2000) or {}).get("p99_from_publish_ms") if k == "beacon" else None, 2)
    if dn != hold_n:
        row(f"memory per held poll, {dn:,} held (kB)", lambda r, k: _get(r, "delivery", k, "kb_per_poll"))
    row(f"memory per held poll, {hold_n:,} held (kB)", lambda r, k: _get(r, "hold", k, "kb_per_poll"))
    row(f"accepting {hold_n:,} polls (s)", lambda r, k: _get(r, "hold", k, "accept_seconds"), 2)
    row(f"p99 with {hold_n:,} held at {p['hold_rate']:,}/s (ms)", lambda r, k: _get(r, "hold", k, "events", "p99_ms"), 2)
    row(f"longest GC pause, {hold_n:,} held, {p['hold_rate']:,}/s (ms)",
        lambda r, k: _gc_longest(_get(r, "hold", k, "events")) if k == "beacon" else None)
    row(f"fan-out to {p['fanout_users']:,} users, last has it (ms, median of {p['fanout_trials']} trials)",
        lambda r, k: _get(r, "fanout", k, "last_ms_median"))
    row("Beacon fan-out: of which `deliver_many` call (ms)",
        lambda r, k: _get(r, "fanout", k, "call_ms_median") if k == "beacon" else None)
    row("Beacon fan-out: last has it, from `publish_events` (ms)",
        lambda r, k: _get(r, "fanout", k, "last_from_publish_ms_median") if k == "beacon" else None)
    row("worker CPU per idle re-poll (ms)", lambda r, k: _get(r, "repoll", k, "cpu_ms_per_repoll"), 3)
    w("")

    tl = targets(results)
    if tl:
        w("## Targets (issue 12)\n")
        w("| target | met? | runs met | measured |")
        w("|---|---|---|---|")
        for t in tl:
            verdict = "not run" if t["met"] is None else "**met**" if t["met"] else "**missed**"
            w(f"| {t['target']} | {verdict} | {t['runs_met']} | {t['figure']} |")
        w("")

    # -- delivery, rate by rate
    if any(r.get("delivery") for r in runs):
        w(f"## Delivery: {dn:,} held polls, events to one user each, {p['delivery_seconds']:.0f} s per rate\n")
        w("Each cell: the runs in order. *reached*: events stored (Beacon) or posted (nchan) per second. "
          "*from publish*: Beacon's latency from the start of `publish_events` instead of `deliver_many`. "
          "*wake→answer*: from the worker's own histogram `beacon_realtime_wakeup_to_answer_seconds` (a Redis "
          "wake-up reaching the worker to the answer being written; the upper bound of the bucket of its p99). *CPU*: "
          "the worker's (Beacon's Redis server's beside it), % of one core. *GC*: Beacon's longest "
          "garbage-collector pass in the step.\n")
        w("| rate/s | reached B | reached n | p50 B ms | p99 B ms | p99 B from publish | B wake→answer p99 ≤ ms | "
          "p99 n ms | lost B / n | CPU B (Redis) | CPU n | GC B ms | clean B / n |")
        w("|---:|---|---|---|---|---|---|---|---|---|---|---|---|")
        rates = sorted({s["rate"] for r in runs for k in ("beacon", "nchan")
                        for s in (_get(r, "delivery", k) or {}).get("steps", [])})
        each = lambda vals, d=1: " / ".join(_ms(v, d) for v in vals)  # noqa: E731
        for rate in rates:
            b = [_step(r, "beacon", rate) for r in runs]
            c = [_step(r, "nchan", rate) for r in runs]
            g = lambda ss, key: [s and s.get(key) for s in ss]  # noqa: E731
            yn = lambda ss: "".join("—" if s is None else "y" if s["clean"] else "n" for s in ss)  # noqa: E731
            w(f"| {rate:,} | {each([s and s['publisher']['achieved_rate'] for s in b], 0)} | "
              f"{each([s and s['publisher']['achieved_rate'] for s in c], 0)} | {each(g(b, 'p50_ms'), 2)} | "
              f"{each(g(b, 'p99_ms'), 1)} | {each(g(b, 'p99_from_publish_ms'), 1)} | "
              f"{' / '.join(_wake_p99(x) for x in b)} | "
              f"{each(g(c, 'p99_ms'), 2)} | "
              f"{each(g(b, 'lost'), 0)} / {each(g(c, 'lost'), 0)} | "
              + " / ".join(f"{_ms(s and s['server_cpu_pct'], 0)}% ({_ms(s and s['redis_cpu_pct'], 0)}%)" for s in b)
              + f" | {each([s and s['server_cpu_pct'] for s in c], 0)} | {' / '.join(_gc_text(s, 0) for s in b)} | "
              f"{yn(b)} / {yn(c)} |")
        w("")
        notes = []
        for i, r in enumerate(runs, 1):
            for kind in ("beacon", "nchan"):
                for s in (_get(r, "delivery", kind) or {}).get("steps", []):
                    if s["duplicates"]:
                        notes.append(f"run {i}, {kind} {s['rate']}/s: {s['duplicates']} events received twice.")
                    if s.get("worker_restarted"):
                        notes.append(f"run {i}, {kind} {s['rate']}/s: the worker was restarted.")
                    if s["publisher"].get("publish_errors"):
                        notes.append(f"run {i}, {kind} {s['rate']}/s: {s['publisher']['publish_errors']} publish "
                                     "errors logged by the delivery code.")
        for n in notes:
            w(f"- {n}")
        if notes:
            w("")
        extra = (results.get("extra") or {}).get("delivery_redis_core1")
        if extra:
            w("**Labelled extra run: Beacon with the bench's Redis on core 1** (with the client and publishers, "
              "not with the worker), one run:\n")
            w("| rate/s | reached | p50 ms | p99 ms | p99 from publish | lost | CPU (Redis) | GC ms | clean |")
            w("|---:|---:|---:|---:|---:|---:|---|---:|---|")
            for s in extra["steps"]:
                w(f"| {s['rate']:,} | {s['publisher']['achieved_rate']:.0f} | {_ms(s['p50_ms'], 2)} | "
                  f"{_ms(s['p99_ms'], 1)} | {_ms(s['p99_from_publish_ms'], 1)} | {s['lost']} | "
                  f"{s['server_cpu_pct']:.0f}% ({s['redis_cpu_pct']:.0f}%) | {_gc_text(s, 0)} | "
                  f"{'yes' if s['clean'] else 'no'} |")
            best = extra["best_rate"]
            w(f"\nHighest clean rate with Redis on core 1: {f'{best:,}/s' if best else 'none'}.\n")

    # -- hold
    if any(r.get("hold") for r in runs):
        w(f"## Holding {hold_n:,} polls, then {p['hold_rate']:,} events/s for {p['hold_seconds']:.0f} s\n")
        w("*accept*: from the client's first connect until the server reports all of them held "
          "(`/realtime/healthz` `held_polls`, nchan's `subscribers`, read every 50 ms); *client's own ramp*: until the load client had opened every connection and sent every request, which bounds *accept* from below (nchan's figure shows how fast the client can go). *kB/poll*: growth of the "
          "worker's resident memory (VmRSS) from its warmed-up baseline to all held, divided by the number held "
          "(nginx's includes the pages of nchan's shared memory it touched; kernel socket buffers are in neither). "
          f"*idle CPU*: the worker over {p['idle_window']:.0f} s with all held and nothing happening. Then events "
          "flow to those users; *GC*: Beacon's longest garbage-collector pass meanwhile "
          "(all passes of 1 ms or more are logged; by generation below).\n")
        w("| run | server | accept s | client's own ramp s | kB/poll | RSS MiB | idle CPU | reached/s | p50 ms | p99 ms | lost | CPU | GC longest ms |")
        w("|---:|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|")
        for i, r in enumerate(runs, 1):
            for kind in ("beacon", "nchan"):
                h = _get(r, "hold", kind)
                if not h:
                    continue
                e = h.get("events") or {}
                w(f"| {i} | {kind} | {_ms(h['accept_seconds'], 2)} | {_ms(h.get('client_ramp_seconds'), 2)} | "
                  f"{_ms(h['kb_per_poll'])} | "
                  f"{h['rss_base_kb'] / 1024:.0f} → {h['rss_held_kb'] / 1024:.0f} | {h['idle_cpu_pct']:.1f}% | "
                  f"{_ms(e.get('publisher', {}).get('achieved_rate'), 0)} | {_ms(e.get('p50_ms'), 2)} | "
                  f"{_ms(e.get('p99_ms'), 1)} | {e.get('lost', '—')} | {_ms(e.get('server_cpu_pct'), 0)}% | "
                  f"{_gc_text(e) if kind == 'beacon' else '—'} |")
        w("")
        for i, r in enumerate(runs, 1):
            e = _get(r, "hold", "beacon", "events") or {}
            gc = e.get("gc")
            if gc and gc["by_generation"]:
                w(f"- run {i}, Beacon's passes of {gc['logged_from_ms']:g} ms or more over {gc['seconds']} s: "
                  + "; ".join(f"{g}: {v['passes']} passes, {v['total_ms']:.0f} ms in all, longest {v['max_ms']:.1f} ms"
                              for g, v in sorted(gc["by_generation"].items())))
            elif gc:
                w(f"- run {i}: no garbage-collector pass of Beacon's worker lasted {gc['logged_from_ms']:g} ms or more.")
            metric = e.get("gc_metric")
            if metric:
                w(f"- run {i}, the worker's own `beacon_realtime_gc_pause_seconds` over the step: {metric['passes']} "
                  f"passes, {metric['over_10ms']} over 10 ms, the longest at most "
                  f"{_ms(metric['longest_at_most_ms'], 1)} ms (its bucket); longest since start "
                  f"{metric['max_since_start_ms']:.1f} ms.")
            h = _get(r, "hold", "beacon")
            if h and h.get("broke"):
                br = h["broke"]
                w(f"- run {i}: **Beacon held only {br['held']:,} of {br['wanted']:,}.** Client counts "
                  f"{br['client_counts']}; server log tail: `{br['server_log_tail'][-300:].strip()}`")
        w("")

    # -- fan-out
    if any(r.get("fanout") for r in runs):
        w(f"## Fan-out: one action told to {p['fanout_users']:,} users, one poll each, {p['fanout_trials']} trials a run\n")
        w("Beacon: the action's events as `web.notifications.audience.Audience` builds them (one event per 500 "
          "recipients, one action id), stored and published by ONE `deliver_many` call; nchan: one "
          "`POST /pub/<user>` per user, all pipelined on one connection. *last*: from `t0` until the last poll "
          "has it (median of the trials; worst in brackets).\n")
        w("| run | server | last ms | p50 ms | deliver_many call ms | last from publish_events ms | missing | worker CPU ms |")
        w("|---:|---|---|---:|---:|---:|---:|---:|")
        for i, r in enumerate(runs, 1):
            for kind in ("beacon", "nchan"):
                f = _get(r, "fanout", kind)
                if not f:
                    continue
                w(f"| {i} | {kind} | {_ms(f['last_ms_median'])} ({_ms(f['last_ms_max'])}) | {_ms(f['p50_ms_median'])} | "
                  f"{_ms(f['call_ms_median']) if kind == 'beacon' else '—'} | "
                  f"{_ms(f['last_from_publish_ms_median']) if kind == 'beacon' else '—'} | {f['missing']} | "
                  f"{_ms(f['cpu_ms_median'], 0)} |")
        w("")

    # -- idle re-polls
    if any(r.get("repoll") for r in runs):
        xb = next((_get(r, "repoll", "beacon") for r in runs if _get(r, "repoll", "beacon")), None)
        xn = next((_get(r, "repoll", "nchan") for r in runs if _get(r, "repoll", "nchan")), None)
        prod = results.get("production_realtime") or {}
        w(f"## Idle re-polls: {(xb or xn)['polls']:,} polls whose holds end with nothing new\n")
        text = ""
        if xb:
            text += (f"Beacon holds a poll {xb['hold_seconds']:g} s plus up to {xb['jitter_seconds']:g} s, and its "
                     f"credential cache lasts {xb['cache_seconds']:g} s: production's values "
                     f"({prod.get('REALTIME_HOLD_SECONDS', '?')} s + {prod.get('REALTIME_HOLD_JITTER_SECONDS', '?')} s, "
                     f"cache {prod.get('REALTIME_SESSION_CACHE_SECONDS', '?')} s) divided by {p['repoll_scale']}, so "
                     "each re-poll meets the cache at the same point of its life as in production. ")
        if xn:
            text += f"nchan holds {xn['hold_seconds']:g} s (`nchan_subscriber_timeout` takes whole seconds). "
        w(text + "Each answer is re-polled at once with the same cursor (nchan: after its 408, with the same "
          f"`If-Modified-Since`). *CPU per re-poll*: the worker's CPU over {p['repoll_window']:.0f} s divided by "
          "the re-polls answered in it. *PostgreSQL*: transactions committed in the bench database per re-poll "
          "(pg_stat_database).\n")
        w("| run | server | re-polls/s | worker CPU ms per re-poll | Redis CPU ms per re-poll | PostgreSQL xacts per re-poll |")
        w("|---:|---|---:|---:|---:|---:|")
        for i, r in enumerate(runs, 1):
            for kind in ("beacon", "nchan"):
                y = _get(r, "repoll", kind)
                if y:
                    w(f"| {i} | {kind} | {y['repolls_per_second']:.0f} | {_ms(y['cpu_ms_per_repoll'], 3)} | "
                      f"{_ms(y.get('redis_cpu_ms_per_repoll'), 3)} | {_ms(y.get('pg_xacts_per_repoll'), 2)} |")
        w("")

    # -- two processes
    if any(_get(r, "twoproc", "beacon") for r in runs):
        w(f"## Two realtime processes, re-polls landing on either at random\n")
        w("Two Beacon realtime processes (one gunicorn worker each, both on core 0 with Redis), no sticky "
          "sessions: the load client stands in for a router and sends each poll, and each re-poll after an "
          "answer, to one of the two at random (a re-poll for the other process closes the connection and "
          "opens one to it). The cursor in the re-poll is all either process needs. *repeated*: an event (user, "
          "seq) received more than once; *out of order*: a user's event received after one with a higher seq.\n")
        w("| run | held (each) | rate reached/s | re-polls moved | lost | repeated | out of order | p50 ms | p99 ms |")
        w("|---:|---|---:|---:|---:|---:|---:|---:|---:|")
        for i, r in enumerate(runs, 1):
            t = _get(r, "twoproc", "beacon")
            if t:
                s = t["step"]
                w(f"| {i} | {t['held_at_start']:,} ({' + '.join(f'{h:,}' for h in t['held_each'])}) | "
                  f"{s['publisher']['achieved_rate']:.0f} | {t['switched_server']:,} | {s['lost']} | "
                  f"{s['duplicates']} | {t['out_of_order']} | {_ms(s['p50_ms'], 2)} | {_ms(s['p99_ms'], 1)} |")
        w("")

    w("## Notes\n")
    stalls = []
    for i, r in enumerate(runs, 1):
        for scenario, kind, step in ([("delivery", k, st) for k in ("beacon", "nchan")
                                      for st in (_get(r, "delivery", k) or {}).get("steps", [])]
                                     + [("hold", k, _get(r, "hold", k, "events")) for k in ("beacon", "nchan")]
                                     + [("two processes", "beacon", _get(r, "twoproc", "beacon", "step"))]):
            lag = (step or {}).get("client_loop_lag_max_ms")
            if lag is not None and lag > 50:
                stalls.append(f"run {i} {scenario} {kind} {step['rate']}/s: {lag:.0f} ms")
    if stalls:
        w("- **The load client's loop was late by more than 50 ms** in these steps (so the client, not only the "
          "server, may be in their latency): " + "; ".join(stalls) + ".")
    w("- Core 1 runs the load client and the publishers (and py-spy in the profiling pass); core 0 the worker "
      "and, for Beacon, its Redis server. PostgreSQL is not pinned: its work for `deliver_many` (and the "
      "worker's reads) runs on whichever core is free, so on this two-core machine it competes with both sides.")
    w("- Beacon's latency includes storing the event (`deliver_many`: the Notification rows, the stream "
      "numbering, the commit) because that is where the pipeline's batch starts; nchan has nothing to store. "
      "The *from publish* figures leave the store out and compare with nchan's POST more closely.")
    w("- A step whose publishers reached less than "
      f"{100 * results['clean']['rate_share']:.0f} % of the asked rate is not clean, whatever its latency: the "
      "delivery code (or the machine) could not store that many.")
    w("- nchan answers `202` instead of `201` to a publish that finds no subscriber at that instant (the user's "
      "poll was between an answer and its re-poll); the message waits in the channel's buffer and the re-poll "
      "gets it, so it is not lost.")
    w("")

    profiles = results.get("profiles") or {}
    if profiles:
        w("## py-spy on the Beacon worker (a separate run, after the measured ones)\n")
        w("`py-spy record --rate 250` on the worker, run on core 1, in a separate run of the scenario whose "
          "target was missed (its figures are not the ones above: py-spy pauses the worker for each sample). "
          "Percentages are of the samples in which the worker's loop was busy; the idle samples of gevent's "
          "resolver thread pool are left out. The raw stacks are in the run's folder.\n")
        for name, prof in profiles.items():
            summary = prof.get("profile")
            if summary is None and prof.get("steps"):
                s = prof["steps"][0]
                summary = s.get("profile")
                w(f"**{name}** at {prof['rate']}/s (p50 {s['p50_ms']} ms, p99 {s['p99_ms']} ms, lost {s['lost']}, "
                  f"CPU {s['server_cpu_pct']:.0f}%), {summary and summary.get('samples')} samples:\n")
            elif summary:
                w(f"**{name}**, {summary.get('samples')} samples:\n")
            if not summary or summary.get("error"):
                w(f"(py-spy failed or is missing: {summary and summary.get('error')})\n")
                continue
            w("| % of samples on stack | function |")
            w("|---:|---|")
            for f, v in summary["inclusive"][:18]:
                w(f"| {v} | `{f}` |")
            w("")
            w("Own time (leaf frames): " + "; ".join(f"`{f}` {v}%" for f, v in summary["own"][:8]) + "\n")
    return "\n".join(L) + "\n"
