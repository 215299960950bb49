"""The realtime report's tables of each scenario, run by run: delivery rate by rate, holding, fan-out, idle
re-polls, two processes. Each function writes one as a list of lines, empty when the scenario did not run."""

from bench.realtime_figures import KINDS, each_server, figure, gc_text, number, ran, step_at, wake_p99


def delivery(runs, p, redis_core1) -> list[str]:
    if not ran(runs, "delivery"):
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


def holding(runs, p) -> list[str]:
    if not ran(runs, "hold"):
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


def fanout(runs, p) -> list[str]:
    if not ran(runs, "fanout"):
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


def repolls(runs, p, prod) -> list[str]:
    """``prod``: production's hold, jitter and credential cache, which the scenario scales down."""
    if not ran(runs, "repoll"):
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


def two_processes(runs) -> list[str]:
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
