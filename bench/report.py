"""Machine facts, target checks, py-spy summaries and the BENCHMARKS.md text."""

import hashlib
import platform
import re
import statistics
import subprocess
from collections import Counter
from importlib import metadata
from pathlib import Path

MAIN = Path(__file__).resolve().parent.parent


def _run(argv) -> str:
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=20, cwd=MAIN)
        return (out.stdout + out.stderr).strip()
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"? ({exc})"


def machine_facts() -> dict:
    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    versions = {}
    for dist in ("Django", "gunicorn", "gevent", "greenlet", "redis", "hiredis", "psycopg2-binary",
                 "djangorestframework", "py-spy"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            pass
    diff = _run(["git", "diff", "HEAD", "--", "realtime", "gunicorn.conf.py", "settings"])
    status = _run(["git", "status", "--porcelain"]).splitlines()
    mem_kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
    return {
        "cpu": cpu,
        "cores": len(re.findall(r"^processor", Path("/proc/cpuinfo").read_text(), re.MULTILINE)),
        "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "kernel": platform.release(),
        "os": "Debian " + Path("/etc/debian_version").read_text().strip(),
        "python": platform.python_version(),
        "packages": versions,
        "nginx": _run(["nginx", "-v"]).replace("nginx version: ", ""),
        "nchan": _run(["dpkg-query", "-W", "-f", "${Version}", "libnginx-mod-nchan"]),
        "postgresql": _run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-tAc", "SHOW server_version"]),
        "redis": _run(["redis-cli", "INFO", "server"]).split("redis_version:")[-1].split()[0],
        "beacon_commit": _run(["git", "rev-parse", "--short", "HEAD"]),
        "beacon_uncommitted_files": len(status),
        "beacon_realtime_diff_sha1": hashlib.sha1(diff.encode()).hexdigest()[:12] if diff else None,
        "somaxconn": Path("/proc/sys/net/core/somaxconn").read_text().strip(),
        "ip_local_port_range": " - ".join(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()),
    }


IDLE_LEAVES = ("acquire_with_timeout (gevent/_threading.py)",)


def beacon_code_state() -> str:
    """The commit, plus a hash of any uncommitted change to what the realtime process runs."""
    head = _run(["git", "rev-parse", "--short", "HEAD"])
    diff = _run(["git", "diff", "HEAD", "--", "realtime", "gunicorn.conf.py", "settings", "web", "requirements"])
    return head + (f"+{hashlib.sha1(diff.encode()).hexdigest()[:8]}" if diff else "")


def summarize_py_spy(raw_path) -> dict:
    """Top functions by own samples and by samples anywhere on the stack, from py-spy's raw format."""
    total = 0
    idle_thread = 0
    own = Counter()
    inclusive = Counter()
    try:
        lines = Path(raw_path).read_text().splitlines()
    except OSError as exc:
        return {"error": str(exc)}
    for line in lines:
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        frames = [re.sub(r":\d+\)$", ")", f) for f in stack.split(";")]
        frames = [f for f in frames if not f.startswith("process ") and not f.startswith("thread ")]
        if not frames:
            continue
        if frames[-1].startswith(IDLE_LEAVES):
            idle_thread += n  # gevent's resolver thread pool, waiting for work: not the worker's loop
            continue
        total += n
        own[frames[-1]] += n
        for f in set(frames):
            inclusive[f] += n
    pct = lambda n: round(100.0 * n / total, 1) if total else 0.0  # noqa: E731
    return {"samples": total, "idle_thread_samples_dropped": idle_thread, "raw": str(raw_path),
            "own": [[f, pct(n)] for f, n in own.most_common(15)],
            "inclusive": [[f, pct(n)] for f, n in inclusive.most_common(25)]}


def _ratio(a, b):
    if a is None or b is None or not b:
        return None
    return a / b


def _steps(results, kind):
    return {s["rate"]: s for s in results["delivery"].get(kind, {}).get("steps", [])}


def targets(results) -> list[dict]:
    out = []
    idle_b, idle_n = results["idle"].get("beacon"), results["idle"].get("nchan")
    if idle_b:
        top = idle_b[-1]
        held_ok = top["held_end"] >= 18000 if top["n"] >= 18000 else None
        out.append({"scenario": "idle", "target": "18,000 held polls in one Beacon worker",
                    "met": held_ok, "figure": f"{top['held_end']:,} held of {top['n']:,}"})
        if idle_n:
            r = _ratio(top["kb_per_poll"], idle_n[-1]["kb_per_poll"])
            out.append({"scenario": "idle", "target": "memory per held poll <= 2x nchan's",
                        "met": r is not None and r <= 2.0,
                        "figure": f"{top['kb_per_poll']:.1f} kB vs {idle_n[-1]['kb_per_poll']:.1f} kB "
                                  f"= {r:.2f}x" if r else "n/a"})
    del_b, del_n = results["delivery"].get("beacon"), results["delivery"].get("nchan")
    if del_b:
        if del_n:
            rb, rn = del_b["best_rate"], del_n["best_rate"]
            met = rb is not None and rn is not None and rb >= rn / 2
            out.append({"scenario": "delivery", "target": ">= half of nchan's highest clean rate",
                        "met": met, "figure": f"Beacon {rb}/s, nchan {rn}/s (highest tested rate "
                                              f"{max(_steps(results, 'beacon'), default=None)}/s)"})
        s500 = _steps(results, "beacon").get(500)
        if s500:
            out.append({"scenario": "delivery", "target": "p50 < 2 ms at 500/s",
                        "met": s500["p50_ms"] is not None and s500["p50_ms"] < 2 and s500["lost"] == 0,
                        "figure": f"p50 {s500['p50_ms']} ms, lost {s500['lost']}"})
    fan_b = results["fanout"].get("beacon")
    if fan_b:
        one = fan_b["1"]
        med = one["last_ms_median"]
        out.append({"scenario": "fanout", "target": "fan-out to 1,000 users (1 poll each) < 200 ms",
                    "met": med is not None and med < 200 and one["missing"] == 0,
                    "figure": f"last poll after {_ms(med)} ms (median of trials; worst {_ms(one['last_ms_max'])} ms)"
                              f", missing {one['missing']}"})
    return out


def _ms(v, digits=1):
    return "—" if v is None else f"{v:.{digits}f}"


def _x(v):
    if v is None:
        return "—"
    return f"{v:,.0f}x" if v >= 100 else f"{v:.1f}x" if v >= 10 else f"{v:.2f}x"


def render(results, results_path) -> str:
    m = results["meta"]
    p = results["params"]
    L = []
    w = L.append
    w("# Beacon realtime benchmarks: long-poll vs nginx + nchan\n")
    w("Produced by one command, from the project root:\n")
    w(f"    {results['command']}\n")
    w("(`make bench` runs the same.) Raw figures of this run (bench/out/ is git-ignored): "
      f"`{Path(results_path).relative_to(MAIN)}`; logs and per-step files beside it.\n")
    w("**How it is measured.** Each server runs ONE worker pinned to core 0 (`taskset -c 0`): Beacon is "
      "`gunicorn --config gunicorn.conf.py` (gevent worker), nchan is Debian's nginx with "
      "`libnginx-mod-nchan` in long-poll mode (`bench/nginx.conf.in`). The load client (`bench/client.py`, "
      "asyncio, one keep-alive connection per poll, sources 127.0.0.2–127.0.0.9) and the publisher "
      "(`bench/publisher.py`) are separate processes pinned to core 1. PostgreSQL and Redis are the "
      "machine's own servers and are not pinned. On every answer the client polls again at once: Beacon "
      "with the answer's cursor, nchan with the answer's `Last-Modified`/`Etag` as `If-Modified-Since`/"
      f"`If-None-Match` (as nchan's JS client does). Polls are held {results['hold_seconds']} s "
      "(`REALTIME_HOLD_SECONDS`, jitter 0; `nchan_subscriber_timeout` the same), longer than any "
      "scenario, so no poll times out during a measurement. Beacon's clients authenticate with "
      f"**{results.get('auth', 'n/a')}** auth.\n")
    w("Beacon's events go through the pipeline's own path: the publisher commits the "
      "`notifications_streamevent` rows and `notifications_userstream` row to PostgreSQL (the truth) and "
      "then calls `realtime.publish.publish_events` (Redis cache + PUBLISH); nchan's are `POST /pub/<user>` "
      "with the same JSON event (~350 bytes). Latency is from `t0`, taken right before `publish_events` "
      "(resp. before the POST is sent), to the moment the client has read the whole answer; both "
      "`time.monotonic()` (CLOCK_MONOTONIC, one clock for all processes).\n")
    w("**Columns.** *kB/poll*: growth of the worker's resident memory (VmRSS) from its warmed-up baseline "
      "to N held polls, divided by N. For nginx that is the worker's VmRSS, which includes the pages of "
      "nchan's shared memory zone the worker has touched (`RssShmem`, shown separately); the master "
      "process is not counted for either server; nchan's own count of shared memory used is shown too. "
      "Kernel socket buffers are not in RSS for either. *idle CPU*: the worker's user+system CPU time "
      f"over a {p['idle_window']:.0f} s window while all N are held, as % of one core. *p50/p99*: "
      "publish→received latency over all events of the step. *lost*: published in the step but not "
      f"received within {results['lost_after_seconds']:.0f} s after the step ended. *CPU*: the worker's CPU "
      "during the step (% of one core; 100% = core 0 saturated). *highest clean rate*: the highest rate, "
      "going up from the lowest, with p99 < 100 ms and nothing lost. *ratio*: Beacon ÷ nchan (lower is "
      "better for memory, CPU and latency).\n")

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
    w(f"- Python {m['python']}, "
      + ", ".join(f"{k} {v}" for k, v in pk.items()))
    w(f"- nginx {m['nginx']}, libnginx-mod-nchan {m['nchan']}; PostgreSQL {m['postgresql']}; Redis {m['redis']}")
    w(f"- net.core.somaxconn {m['somaxconn']}, ip_local_port_range {m['ip_local_port_range']}; "
      "`ulimit -n` 20000 for servers and client")
    w(f"- Whole run: {results.get('elapsed_seconds', 0) / 60:.1f} min\n")

    tl = targets(results)
    if tl:
        w("## Targets\n")
        w("| target | met? | measured |")
        w("|---|---|---|")
        for t in tl:
            verdict = "not tested (N too small)" if t["met"] is None else "**met**" if t["met"] else "**missed**"
            w(f"| {t['target']} | {verdict} | {t['figure']} |")
        w("")

    idle_b, idle_n = results["idle"].get("beacon", []), results["idle"].get("nchan", [])
    if idle_b or idle_n:
        w("## 1. Idle hold\n")
        w("| N held | Beacon held | Beacon kB/poll | nchan kB/poll | ratio | Beacon idle CPU | nchan idle CPU | ratio |")
        w("|---:|---:|---:|---:|---:|---:|---:|---:|")
        by_n = {r["n"]: r for r in idle_n}
        ns = sorted({r["n"] for r in idle_b} | set(by_n))
        bb = {r["n"]: r for r in idle_b}
        for n in ns:
            b, c = bb.get(n), by_n.get(n)
            w(f"| {n:,} | {b['held_end']:,} | {_ms(b and b['kb_per_poll'])} | {_ms(c and c['kb_per_poll'])} | "
              f"{_x(_ratio(b and b['kb_per_poll'], c and c['kb_per_poll']))} | "
              f"{_ms(b and b['idle_cpu_pct'], 2)}% | {_ms(c and c['idle_cpu_pct'], 2)}% | "
              f"{_x(_ratio(b and b['idle_cpu_pct'], c and c['idle_cpu_pct']))} |"
              if b else
              f"| {n:,} | — | — | {_ms(c['kb_per_poll'])} | — | — | {_ms(c['idle_cpu_pct'], 2)}% | — |")
        w("")
        w("Resident memory split, kB per held poll (anon / shared-memory pages), and worker RSS baseline → held:\n")
        w("| N | Beacon anon | Beacon RSS MiB | nchan anon | nchan shm pages in RSS | nchan shm used (nchan's count) | nchan RSS MiB |")
        w("|---:|---:|---:|---:|---:|---:|---:|")
        for n in ns:
            b, c = bb.get(n), by_n.get(n)
            w(f"| {n:,} | {_ms(b and b['anon_kb_per_poll'])} | "
              + (f"{b['rss_base_kb'] / 1024:.0f} → {b['rss_held_kb'] / 1024:.0f}" if b else "—")
              + f" | {_ms(c and c['anon_kb_per_poll'])} | {_ms(c and c['shmem_kb_per_poll'])} | "
              f"{_ms(c and c['shm_used_kb_per_poll'])} | "
              + (f"{c['rss_base_kb'] / 1024:.0f} → {c['rss_held_kb'] / 1024:.0f}" if c else "—") + " |")
        w("")
        for kind, rows in (("Beacon", idle_b), ("nchan", idle_n)):
            for r in rows:
                if r.get("broke"):
                    br = r["broke"]
                    w(f"- **{kind} held only {br['held']:,} of {br['wanted']:,}.** Client: "
                      f"{br['client_connected']} connected, counts {br['client_counts']}. Server log tail: "
                      f"`{br['server_log_tail'][-400:].strip()}`")
                if r.get("worker_restarted"):
                    w(f"- {kind}: the worker was restarted during N={r['n']}.")
        w("")

    del_b, del_n = results["delivery"].get("beacon"), results["delivery"].get("nchan")
    if del_b or del_n:
        held = (del_b or del_n)["held"]
        w(f"## 2. Delivery: {held:,} held polls, single-user publishes, {p['delivery_seconds']:.0f} s per rate\n")
        w("| rate/s | Beacon p50 ms | nchan p50 ms | ratio | Beacon p99 ms | nchan p99 ms | ratio | Beacon lost | "
          "nchan lost | Beacon CPU | nchan CPU | published/s achieved (Beacon / nchan) |")
        w("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        sb, sn = _steps(results, "beacon"), _steps(results, "nchan")
        for rate in sorted(set(sb) | set(sn)):
            b, c = sb.get(rate), sn.get(rate)
            g = lambda s, k: None if s is None else s[k]  # noqa: E731
            w(f"| {rate:,} | {_ms(g(b, 'p50_ms'), 2)} | {_ms(g(c, 'p50_ms'), 2)} | "
              f"{_x(_ratio(g(b, 'p50_ms'), g(c, 'p50_ms')))} | {_ms(g(b, 'p99_ms'), 2)} | {_ms(g(c, 'p99_ms'), 2)} | "
              f"{_x(_ratio(g(b, 'p99_ms'), g(c, 'p99_ms')))} | {'—' if b is None else b['lost']} | "
              f"{'—' if c is None else c['lost']} | {_ms(g(b, 'server_cpu_pct'), 0)}% | "
              f"{_ms(g(c, 'server_cpu_pct'), 0)}% | "
              f"{_ms(b and b['publisher']['achieved_rate'], 0)} / {_ms(c and c['publisher']['achieved_rate'], 0)} |")
        w("")
        rb = del_b and del_b["best_rate"]
        rn = del_n and del_n["best_rate"]
        w(f"**Highest clean rate** (p99 < 100 ms, nothing lost): Beacon **{rb or 'none'}**/s, "
          f"nchan **{rn or 'none'}**/s (ratio {_x(_ratio(rb, rn))}); the highest rate tested was "
          f"{max(p['delivery_rates']):,}/s, so a figure equal to it is a lower bound.\n")
        notes = []
        for kind, d in (("Beacon", del_b), ("nchan", del_n)):
            for s in (d or {}).get("steps", []):
                if s["duplicates"]:
                    notes.append(f"{kind} {s['rate']}/s: {s['duplicates']} events received twice.")
                if s.get("worker_restarted"):
                    notes.append(f"{kind} {s['rate']}/s: the worker was restarted.")
                bad = {k: v for k, v in s["client_counts"].items() if k.startswith(("status_", "connect", "reset"))}
                if bad:
                    notes.append(f"{kind} after {s['rate']}/s, client counters so far: {bad}.")
                if s["publisher"]["achieved_rate"] < 0.95 * s["rate"]:
                    notes.append(f"{kind} {s['rate']}/s: the publisher reached only "
                                 f"{s['publisher']['achieved_rate']:.0f}/s.")
        for n in notes:
            w(f"- {n}")
        if notes:
            w("")

    fan_b, fan_n = results["fanout"].get("beacon"), results["fanout"].get("nchan")
    if fan_b or fan_n:
        any_f = fan_b or fan_n
        w(f"## 3. Fan-out: one event to each of {any_f['1']['users']:,} users, {p['fanout_trials']} trials\n")
        w("Beacon: one `publish_events` call with one entry per user (one Redis pipeline), as the delivery "
          "pipeline does; nchan: one `POST /pub/<user>` per user, all pipelined on one connection. "
          "*last*: from the first publish until the last poll has the event (median of the trials; worst "
          "in brackets). *p50*: the median poll.\n")
        w("| polls per user | Beacon last ms | nchan last ms | ratio | Beacon p50 ms | nchan p50 ms | ratio | "
          "missing (B / n) | publish call ms (B / n) | worker CPU ms per fan-out (B / n) |")
        w("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for k in ("1", "3"):
            b, c = (fan_b or {}).get(k), (fan_n or {}).get(k)
            g = lambda s, key: None if s is None else s[key]  # noqa: E731
            call = lambda s: None if s is None else statistics.median(t["publish_call_ms"] for t in s["trials"])  # noqa: E731,E501
            cpu = lambda s: None if s is None else 1000 * statistics.median(t["server_cpu_seconds"] for t in s["trials"])  # noqa: E731,E501
            w(f"| {k} | {_ms(g(b, 'last_ms_median'))} ({_ms(g(b, 'last_ms_max'))}) | "
              f"{_ms(g(c, 'last_ms_median'))} ({_ms(g(c, 'last_ms_max'))}) | "
              f"{_x(_ratio(g(b, 'last_ms_median'), g(c, 'last_ms_median')))} | {_ms(g(b, 'p50_ms_median'))} | "
              f"{_ms(g(c, 'p50_ms_median'))} | {_x(_ratio(g(b, 'p50_ms_median'), g(c, 'p50_ms_median')))} | "
              f"{'—' if b is None else b['missing']} / {'—' if c is None else c['missing']} | "
              f"{_ms(call(b))} / {_ms(call(c))} | {_ms(cpu(b), 0)} / {_ms(cpu(c), 0)} |")
        w("")

    w("## Notes\n")
    w("- Core 1 runs both the load client and the publisher (and py-spy in the profiling pass). PostgreSQL and "
      "Redis are the machine's servers, not pinned: they run on whichever core is free, and their CPU is not "
      "in the worker CPU figures (Beacon's worker answers woken polls from the event its Redis subscription carried and asks Redis or PostgreSQL only when that copy cannot answer exactly; nchan needs neither).")
    w("- Beacon's publisher writes each event to PostgreSQL (its session has `synchronous_commit off`) before "
      "calling `publish_events`; that write is outside the measured latency. When the publisher falls behind "
      "its schedule it writes the events that are due in one statement, then publishes them one by one.")
    w("- At 100/s both servers show a higher p50 than at 500/s: between events the cores go idle, and waking "
      "them costs a fraction of a millisecond per hop (publisher → Redis/nginx → worker → client).")
    if any((prof.get("gc") or (prof.get("steps") or [{}])[0].get("gc")) for prof in (results.get("profiles") or {}).values()):
        w("- Beacon's p99 at a given rate depends on whether a long garbage-collector pass of the worker falls "
          "in the step's window (see the passes listed in the py-spy section), so it varies from run to run; "
          "nchan's does not.")
    w("- nchan answers `202` instead of `201` to a publish that finds no subscriber at that instant (the "
      "user's poll was between an answer and its re-poll); the message waits in the channel's buffer and the "
      "re-poll gets it, so it is not lost.")
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
                summary = prof["steps"][0].get("profile")
                s = prof["steps"][0]
                w(f"**{name}** at {prof['rate']}/s (p50 {s['p50_ms']} ms, p99 {s['p99_ms']} ms, lost {s['lost']}, "
                  f"CPU {s['server_cpu_pct']:.0f}%), {summary and summary.get('samples')} samples:\n")
            elif summary:
                w(f"**{name}**, {summary.get('samples')} samples:\n")
            else:
                w(f"**{name}**: {prof.get('note', '')}\n")
                continue
            if not summary or summary.get("error"):
                w(f"(py-spy failed: {summary and summary.get('error')})\n")
                continue
            w("| % of samples on stack | function |")
            w("|---:|---|")
            for f, v in summary["inclusive"][:18]:
                w(f"| {v} | `{f}` |")
            w("")
            w("Own time (leaf frames): " + "; ".join(f"`{f}` {v}%" for f, v in summary["own"][:8]) + "\n")
            gc_stats = prof.get("gc") or (prof.get("steps") or [{}])[0].get("gc")
            if gc_stats:
                w(f"Garbage-collector passes of the worker lasting 5 ms or more, over {gc_stats['seconds']} s of "
                  "this run (logged by `bench/gc_probe_gunicorn.py`, which only adds a `gc.callbacks` hook): "
                  + "; ".join(f"{g}: {v['passes']} passes, {v['total_ms']:.0f} ms in all, longest {v['max_ms']:.0f} ms"
                              for g, v in sorted(gc_stats["by_generation"].items())) + "\n")
    return "\n".join(L) + "\n"
