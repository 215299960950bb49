"""``python -m bench graph``: how a graph page with 1,000 to 40,000 nodes behaves in Chromium.

The graph page as a user opens it: the web process (gunicorn, the Procfile's
web line, DEBUG off) on a database of its own (beacon_bench_graph, made
anew), Debian's Chromium driven by Playwright, logged in as the owner. Per
size, three page loads; for each: the time from navigation until the drawing
is ready (``window.beaconGraph.ready``), the longest task that blocked the
page meanwhile and all of them together (the Long Tasks API), and how long a
drag on the background takes to be drawn (the next frame after the mouse is
released). Writes the "graph" section of BENCHMARKS.md.

The sizes bracket GRAPH_MAX_NODES, the largest graph Beacon accepts: the
report names the biggest size that is still *interactive* (see INTERACTIVE_*)
and says whether the configured limit is within it. Graphs above the limit
are seeded with the limit lifted, as only the drawing is measured.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.log import log

MAIN = Path(__file__).resolve().parents[1]
PY = str(MAIN / ".venv" / "bin" / "python")
DB_NAME = "beacon_bench_graph"
CHROMIUM = "/usr/bin/chromium"
SIZES = (1_000, 2_000, 3_000, 5_000, 10_000, 20_000, 40_000)
LOADS = 3
# A size is interactive when its median page load is ready within this: past
# a few seconds a user reads the page as broken rather than busy.
INTERACTIVE_READY_MS = 3_000
# ... and a pan is drawn within this: about the longest a reply to the hand
# still feels immediate (the usual 0.1 s of response-time guidance).
INTERACTIVE_PAN_MS = 100

SEED = """
import json, sys
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import override_settings
from web.graphs.actions import create_graph
owner = get_user_model().objects.create_user("owner", password="owner-password")
limits = {"nodes": settings.GRAPH_MAX_NODES, "edges": settings.GRAPH_MAX_EDGES}
ids = {}
biggest = max(%(sizes)s)
with override_settings(GRAPH_MAX_NODES=biggest, GRAPH_MAX_EDGES=2 * biggest, GRAPH_MAX_BYTES=200 * biggest):
    for n in %(sizes)s:
        nodes = [{"data": {"id": f"n{i}", "label": f"gene {i}"}} for i in range(n)]
        edges = [{"data": {"source": f"n{(i - 1) // 2}", "target": f"n{i}"}} for i in range(1, n)]
        edges += [{"data": {"source": f"n{i}", "target": f"n{(i + 2) %% n}"}} for i in range(0, n, 2)]
        ids[n] = create_graph(owner, name=f"{n} nodes",
                              graph_json={"elements": {"nodes": nodes, "edges": edges}}).pk
print(json.dumps({"ids": ids, "limits": limits}))
"""

LONG_TASKS = """
window.benchLongTasks = [];
new PerformanceObserver(list => { for (const e of list.getEntries()) window.benchLongTasks.push(e.duration); })
  .observe({type: "longtask", buffered: true});
"""


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench graph", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=str(MAIN / "BENCHMARKS.md"),
                        help="the Markdown file whose graph section is written (another path keeps BENCHMARKS.md "
                             "as it is, for a trial run)")
    parser.add_argument("--sizes", type=_sizes, default=SIZES, metavar="N,N,...",
                        help=f"node counts of the graphs opened (default {','.join(map(str, SIZES))})")
    parser.add_argument("--loads", type=int, default=LOADS, help=f"page loads per size (default {LOADS})")
    args = parser.parse_args(argv)
    sizes = args.sizes
    command = " ".join([".venv/bin/python -m bench graph", *(argv if argv is not None else sys.argv[2:])])
    if not Path(CHROMIUM).exists():
        sys.exit("Debian's Chromium is missing: apt-get install chromium")

    from urllib.parse import urlsplit, urlunsplit

    from bench.notification_list import WebServer
    from bench.servers import recreate_database
    from settings import defaults

    server_url = urlsplit(os.environ.get("DATABASE_URL", defaults.DATABASE_URL))
    env = {"DJANGO_SETTINGS_MODULE": "settings.dev", "DEBUG": "false", "LOG_LEVEL": "WARNING",
           "DATABASE_URL": urlunsplit(server_url._replace(path=f"/{DB_NAME}")),
           "REDIS_URL": "redis://127.0.0.1:6379/8", "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1"}
    log(f"database {DB_NAME}: recreate, migrate, graphs of {', '.join(map(str, sizes))} nodes")
    recreate_database(urlunsplit(server_url._replace(path="/postgres")), DB_NAME, env)
    seeded = subprocess.run([PY, "manage.py", "shell", "-c", SEED % {"sizes": list(sizes)}], cwd=MAIN,
                            env={**os.environ, **env}, capture_output=True, text=True, check=True)
    seed = json.loads(seeded.stdout.strip().splitlines()[-1])
    graph_ids = {int(n): pk for n, pk in seed["ids"].items()}
    out_dir = MAIN / "bench" / "out" / time.strftime("graph-%Y%m%d-%H%M%S")
    out_dir.mkdir(parents=True, exist_ok=True)
    from bench.notification_list import PG_ADMIN
    from bench.quiet import MachineWatch

    # Figures are void if anything else used the cores: wait for the machine to settle, and watch it.
    watch = MachineWatch(databases=[DB_NAME, "postgres"], pg_dsn=PG_ADMIN)
    watch.wait_until_quiet(log=log)
    server = WebServer(env, out_dir / "gunicorn.log")
    server.start()
    results = {}
    started = time.monotonic()
    watch.start()
    try:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            base = f"http://127.0.0.1:{server.port}"
            for n in sizes:
                results[n] = [load(browser, base, graph_ids[n]) for _ in range(args.loads)]
                for row in results[n]:
                    log(f"  {n} nodes: ready {row['ready_ms']:.0f} ms, longest block {row['longest_ms']:.0f} ms, "
                        f"pan drawn {row['pan_ms']:.0f} ms")
            browser.close()
    finally:
        machine = watch.stop()
        server.stop()
    (out_dir / "results.json").write_text(json.dumps({"limits": seed["limits"], "results": results}, indent=1))
    from bench import sections

    report = render(results, seed["limits"], command, time.monotonic() - started, args.loads, machine)
    sections.write_section(Path(args.out), "graph", report)
    log(f"report: {args.out}")


def load(browser, base: str, graph_id: int) -> dict:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(base + "/accounts/login/")
    page.fill("#id_username", "owner")
    page.fill("#id_password", "owner-password")
    with page.expect_navigation():
        page.click("form [type=submit]")
    page.add_init_script(LONG_TASKS)
    page.goto(base + f"/graphs/{graph_id}/")
    page.wait_for_function("window.beaconGraph && window.beaconGraph.ready", timeout=120_000)
    ready_ms = page.evaluate("performance.now()")  # since navigation began
    tasks = page.evaluate("window.benchLongTasks")
    box = page.locator("#graph-canvas").bounding_box()
    page.mouse.move(box["x"] + 5, box["y"] + 5)
    page.mouse.down()
    page.mouse.move(box["x"] + 205, box["y"] + 105, steps=10)
    pan_started = page.evaluate("performance.now()")
    page.mouse.up()
    pan_ms = page.evaluate("new Promise(done => requestAnimationFrame(() => setTimeout("
                           "() => done(performance.now()), 0)))") - pan_started
    context.close()
    return {"ready_ms": ready_ms, "longest_ms": max(tasks, default=0.0), "blocked_ms": sum(tasks),
            "long_tasks": len(tasks), "pan_ms": pan_ms}


def _sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(sorted({int(part.replace("_", "")) for part in text.split(",") if part.strip()}))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected node counts separated by commas, not {text!r}") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("expected at least one node count, each 1 or more")
    return sizes


def interactive(rows: list[dict]) -> bool:
    """Whether a size's median load is ready and its median pan drawn within INTERACTIVE_*."""
    return (statistics.median(r["ready_ms"] for r in rows) < INTERACTIVE_READY_MS
            and statistics.median(r["pan_ms"] for r in rows) < INTERACTIVE_PAN_MS)


def verdict(results: dict, limits: dict) -> str:
    """The biggest interactive size, and whether GRAPH_MAX_NODES is within it."""
    sizes = sorted(int(n) for n in results)
    passing = [n for n in sizes if interactive(results[n])]
    limit = limits["nodes"]
    criterion = f"median ready within {INTERACTIVE_READY_MS:,} ms and pan drawn within {INTERACTIVE_PAN_MS} ms"
    if not passing:
        return (f"**No size tried is interactive** ({criterion}); the configured GRAPH_MAX_NODES is "
                f"{limit:,}.")
    biggest = max(passing)
    # Interactive sizes are expected to be the small ones; a failure below the biggest passing size says the
    # machine was busy during it, so the verdict then says so instead of trusting the figures.
    broken = [n for n in sizes if n < biggest and n not in passing]
    text = f"**Biggest interactive size: {biggest:,} nodes** ({criterion})"
    above = [n for n in sizes if n > biggest]
    text += f"; {above[0]:,} is not." if above else " — the biggest tried; a bigger one may be too."
    if broken:
        text += f" But {', '.join(f'{n:,}' for n in broken)} failed below it: re-run on a quiet machine."
    if limit <= biggest:
        text += f" The configured GRAPH_MAX_NODES, {limit:,}, is within it."
    else:
        text += f" **The configured GRAPH_MAX_NODES, {limit:,}, is above it.**"
    return text + f" (GRAPH_MAX_EDGES: {limits['edges']:,}.)"


def render(results: dict, limits: dict, command: str, elapsed: float, loads: int = LOADS,
           machine: dict | None = None) -> str:
    from bench.facts import code_state
    from bench.quiet import describe

    sizes = sorted(int(n) for n in results)
    lines = [
        f"## The graph page: {sizes[0]:,} to {sizes[-1]:,} nodes in Chromium",
        "",
        f"Command: `{command}` ({elapsed / 60:.1f} min). Code: {code_state()}. Debian's Chromium, "
        f"headless, 1280 × 900, software rendering; the web process on the same two cores.",
        "",
        "Each graph is a binary tree plus a ring of every second node (1.5 edges a node), opened by its owner "
        f"{loads} times. *Ready*: from navigation until the drawing is ready. *Longest block*: the longest task "
        "that kept the page from answering meanwhile; *blocked*: all such tasks. *Pan drawn*: from releasing a "
        "drag on the background until the next frame. *Interactive*: the median load is ready within "
        f"{INTERACTIVE_READY_MS:,} ms and the median pan drawn within {INTERACTIVE_PAN_MS} ms (a reply to the hand "
        "that still feels immediate; while dragging, the large drawing moves a picture of itself). Figures are "
        "only valid from a quiet machine.",
        "",
        describe(machine),
        "",
        verdict(results, limits),
        "",
        "| nodes | ready (median, range) | longest block | blocked in all | pan drawn | interactive |",
        "|---|---|---|---|---|---|",
    ]
    for n, rows in results.items():
        def spread(key, rows=rows):
            values = [r[key] for r in rows]
            return f"{statistics.median(values):,.0f} ms ({min(values):,.0f}–{max(values):,.0f})"
        lines.append(f"| {int(n):,} | {spread('ready_ms')} | {spread('longest_ms')} | {spread('blocked_ms')} | "
                     f"{spread('pan_ms')} | {'yes' if interactive(rows) else 'no'} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
