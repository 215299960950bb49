"""The header's graph search on 100,000 graphs: ``.venv/bin/python -m bench graph-search [--graphs N] [--quick]``.

1. A database of its own (beacon_bench_search), migrated and seeded in SQL by
   bench/graph_search_data.py (users, groups, graphs, shares; see its
   docstring), reused when it already holds a dataset of this size.
2. The web process as production runs it: gunicorn with web/gunicorn_web.py,
   settings.production (DEBUG off), its static files collected first.
3. One reader (user 1, who sees about a tenth of the graphs) logged in with a
   session cookie; per query, sequential ``GET /graphs/search/?q=`` on one
   keep-alive connection from this process: a warm-up, then the measured
   requests, each timed from sending the request to the answer's last byte.
4. Each query's SQL (web.graphs.search.query) under EXPLAIN (ANALYZE, BUFFERS).

The section ``graph-search`` of BENCHMARKS.md is written only by a full-size
run (100,000 graphs) on a quiet machine (bench/quiet.py); a smaller run, or
``--allow-busy`` on a busy machine, writes bench/out/graph-search-check.md, so
figures that do not count never land in BENCHMARKS.md.
"""

import argparse
import json
import os
import secrets
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import psycopg2

from bench import sections
from bench.facts import code_state, machine_facts
from bench.log import log
from bench.notification_list import PG_ADMIN, WebServer, timed_gets
from bench.proc import bench_command, stop_on_signals
from bench.quiet import MachineWatch, NotQuiet
from bench.quiet import describe as quiet_line
from bench.stats import percentile

MAIN = Path(__file__).resolve().parent.parent
PY = str(MAIN / ".venv" / "bin" / "python")
OUT = MAIN / "bench" / "out"
DB_NAME = "beacon_bench_search"
FULL_SIZE = 100_000
PACKAGES = ("Django", "gunicorn", "psycopg2-binary")
FULL = {"warmup": 20, "requests": 200, "case_seconds": 60}
QUICK = {"warmup": 5, "requests": 30, "case_seconds": 15}


def cases(facts: dict) -> dict[str, str]:
    """Name -> the words typed. Chosen from the dataset's vocabulary (bench/graph_search_data.py)."""
    return {
        "common word in names (yeast)": "yeast",
        "tag (phospho)": "phospho",
        "rare: one graph's number": str(facts["some_graph"]),
        "owner's username": facts["other_owner"],
        "the reader's group": facts["reader_group"],
        "common, but none the reader sees (embargoed)": "embargoed",
        "matches nothing (xylophone)": "xylophone",
        "two letters (ki)": "ki",
    }


def check_page(body: bytes) -> dict:
    return {"results": body.count(b"<li data-graph-id="), "has_next": b'id="older-results"' in body}


class SearchBench:
    def __init__(self, args):
        self.args = args
        self.p = QUICK if args.quick else FULL
        self.stamp = time.strftime("%Y%m%d-%H%M%S")
        self.dir = OUT / f"graph-search-{self.stamp}"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.database_url = f"postgres://postgres@127.0.0.1:5432/{args.db_name}"
        # One key for the run: the reader's session is signed with it.
        self.env = {"DJANGO_SETTINGS_MODULE": "settings.dev", "DATABASE_URL": self.database_url,
                    "REDIS_URL": f"redis://127.0.0.1:6379/{args.redis_db}", "LOG_LEVEL": "WARNING",
                    "SECRET_KEY": secrets.token_urlsafe(48), "STATIC_ROOT": str(self.dir / "static")}

    def django(self, *argv, env=None, **kw):
        return subprocess.run([PY, *argv], cwd=MAIN, env={**os.environ, **self.env, **(env or {})}, check=True, **kw)

    def prepare(self) -> dict:
        admin = psycopg2.connect(PG_ADMIN)
        admin.autocommit = True
        with admin.cursor() as cur:
            if self.args.reseed:
                cur.execute(f"DROP DATABASE IF EXISTS {self.args.db_name} WITH (FORCE)")
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [self.args.db_name])
            if not cur.fetchone():
                log(f"database {self.args.db_name}: created")
                cur.execute(f"CREATE DATABASE {self.args.db_name}")
        admin.close()
        self.django("manage.py", "migrate", "--noinput", "-v", "0")
        self.django("manage.py", "collectstatic", "--noinput", "-v", "0",
                    env={"DJANGO_SETTINGS_MODULE": "settings.production", "DEBUG": "false"})
        facts_path = self.dir / "dataset.json"
        self.django("-m", "bench.graph_search_data", "seed", str(self.args.graphs), str(facts_path))
        facts = json.loads(facts_path.read_text())
        log(f"dataset {'reused' if facts['reused'] else 'seeded'} in {facts['seconds']:.0f}s: {facts['total']:,} "
            f"graphs, {facts['users']:,} users, {facts['groups']:,} groups; the reader sees "
            f"{facts['reader_visible']:,}")
        facts["session"] = self.django("-m", "bench.graph_search_data", "session", str(facts["reader"]),
                                       capture_output=True, text=True).stdout.strip()
        return facts

    def run(self) -> tuple[dict, Path]:
        started = time.monotonic()
        facts = self.prepare()
        headers = {"Cookie": f"sessionid={facts.pop('session')}"}
        words = cases(facts)
        results = {"meta": machine_facts(PACKAGES), "command": self.args.command, "params": self.p,
                   "dataset": facts, "cases": {}, "code": code_state()}
        server = WebServer({**self.env, "DJANGO_SETTINGS_MODULE": "settings.production", "DEBUG": "false"},
                           self.dir / "gunicorn.log")
        log(f"measuring GET /graphs/search/ on gunicorn port {server.port}: "
            f"{self.p['warmup']} warm-up + {self.p['requests']} requests per query")
        server.start()
        watch = None
        try:
            watch = MachineWatch(databases=[self.args.db_name, "postgres"], pg_dsn=PG_ADMIN)
            try:
                results["machine_before"] = watch.wait_until_quiet(log=log, timeout=self.args.quiet_timeout)
            except NotQuiet as error:
                if not self.args.allow_busy:
                    raise
                log(f"going on anyway (--allow-busy; the figures do not count): {error}")
            watch.start()
            for name, q in words.items():
                path = "/graphs/search/?" + urlencode({"q": q})
                row = measure(server.port, path, headers, warmup=self.p["warmup"], requests=self.p["requests"],
                              budget=self.p["case_seconds"])
                row.update(path=path, q=q)
                results["cases"][name] = row
                log(f"  {name:46} p50 {row['median_ms']:6.1f} ms  p95 {row['p95_ms']:6.1f}  "
                    f"({row['answer']['results']} results{', more' if row['answer']['has_next'] else ''})")
        finally:
            if watch is not None and watch.started:
                results["machine"] = watch.stop()
            server.stop()
        self.explain(results, words, facts)
        results["elapsed_seconds"] = time.monotonic() - started
        results_path = OUT / f"graph-search-results-{self.stamp}.json"
        results_path.write_text(json.dumps(results, indent=1, default=str))
        return results, results_path

    def explain(self, results: dict, words: dict, facts: dict) -> None:
        job = self.dir / "explain-job.json"
        job.write_text(json.dumps({"cases": words, "reader": facts["reader"]}))
        plans_path = self.dir / "plans.json"
        self.django("-m", "bench.graph_search_data", "explain", str(job), str(plans_path))
        plans = json.loads(plans_path.read_text())
        lines = []
        for name, plan in plans.items():
            results["cases"][name]["plan"] = plan
            lines += [f"===== {name}: q={words[name]!r}", plan["text"], ""]
        (self.dir / "plans.txt").write_text("\n".join(lines))
        results["plans_path"] = str((self.dir / "plans.txt").relative_to(MAIN))


def measure(port: int, path: str, headers: dict, *, warmup: int, requests: int, budget: float) -> dict:
    """Sequential GETs on one keep-alive connection; milliseconds from sending the request to the last byte."""
    times, body = timed_gets(port, path, headers, warmup=warmup, requests=requests, budget=budget)
    times.sort()
    return {"count": len(times), "median_ms": statistics.median(times), "p95_ms": percentile(times, 0.95),
            "p99_ms": percentile(times, 0.99), "min_ms": times[0], "max_ms": times[-1], "answer": check_page(body)}


def counts(results: dict, args) -> bool:
    """Whether these figures may go into BENCHMARKS.md: full size, on a machine that stayed quiet."""
    machine = results.get("machine") or {}
    return args.graphs >= FULL_SIZE and bool(machine.get("quiet")) and not args.quick


def render(results: dict, results_path: Path, official: bool) -> str:
    m, d = results["meta"], results["dataset"]
    L = []
    w = L.append
    w(f"# Graph search: {d['total']:,} graphs\n")
    if not official:
        w("> **A check run, not a figure**: smaller than 100,000 graphs, `--quick`, or a machine that was not "
          "quiet. Run the command below on a quiet machine for the figures.\n")
    w("Produced by one command, from the project root:\n")
    w(f"    {results['command']}\n")
    w(f"Raw figures: `{Path(results_path).relative_to(MAIN)}`; every query's `EXPLAIN (ANALYZE, BUFFERS)` in "
      f"`{results['plans_path']}` (bench/out/ is git-ignored).\n")
    w("**What is measured.** `GET /graphs/search/?q=…`, the results page the header's search box leads to, as "
      "production serves it: `gunicorn --config python:web.gunicorn_web`, `settings.production` (DEBUG off), "
      "PostgreSQL on the same machine, the reader logged in by session cookie (every middleware runs: session, "
      "user, time zone, the unread count). One client sends the requests one after another on one keep-alive "
      f"connection: {results['params']['warmup']} warm-up requests, then up to {results['params']['requests']} "
      f"measured ones per query (stopping after {results['params']['case_seconds']} s; *n* says how many), each "
      "timed from sending the request to reading the answer's last byte.\n")
    w(quiet_line(results.get("machine")) + "\n")
    w(f"**Dataset** (`bench/graph_search_data.py`, {'reused' if d['reused'] else 'seeded in SQL'}): "
      f"{d['total']:,} graphs of {d['users']:,} users in {d['groups']:,} groups (each user in two groups of about "
      f"20 and in “{d['institute']}”); two thirds shared with their owner's group, a tenth with the institute too, "
      f"the rest private. The reader sees {d['reader_visible']:,} of them. `graphs_graph` {d['table_size']} with "
      f"its indexes, the trigram index `graph_search_trgm` {d['trgm_index_size']}. `VACUUM ANALYZE` after "
      "seeding.\n")
    w("## Machine\n")
    pk = m["packages"]
    w(f"- CPU: {m['cpu']}, {m['cores']} cores; {m['memory_gib']} GiB; {m['os']}, kernel {m['kernel']}")
    w(f"- Beacon's code: commit {results['code']}")
    w(f"- Python {m['python']}, " + ", ".join(f"{k} {pk[k]}" for k in PACKAGES if k in pk))
    w(f"- PostgreSQL {m['postgresql']} (the machine's server, its configuration untouched)")
    w(f"- Date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; whole run "
      f"{results.get('elapsed_seconds', 0):.0f} s\n")
    w("## Figures (milliseconds)\n")
    w("| query | `q` | p50 | p95 | p99 | min | n | results | plan: indexes | seq scans | SQL time |")
    w("|---|---|---:|---:|---:|---:|---:|---:|---|---|---:|")
    for name, c in results["cases"].items():
        plan = c.get("plan") or {}
        w(f"| {name} | `{c['q']}` | {c['median_ms']:.1f} | {c['p95_ms']:.1f} | {c['p99_ms']:.1f} | "
          f"{c['min_ms']:.1f} | {c['count']} | {c['answer']['results']}{'+' if c['answer']['has_next'] else ''} | "
          + (", ".join(f"`{i}`" for i in plan.get("indexes", [])) or "none") + " | "
          + (", ".join(f"`{t}`" for t in plan.get("seq_scans", [])) or "none") + " | "
          + (f"{plan['execution_ms']:.1f}" if plan.get("execution_ms") is not None else "—") + " |")
    w("")
    w("*results*: graphs on the first page (50 at most; `+`: an older page follows). *SQL time*: the search "
      "query's `Execution Time` under `EXPLAIN (ANALYZE, BUFFERS)`, run right after the measurements (warm).\n")
    w("<details><summary>The search query's plan, per query</summary>\n")
    for name, c in results["cases"].items():
        if c.get("plan"):
            w(f"**{name}** (`q={c['q']}`)\n")
            w("```")
            w(c["plan"]["text"])
            w("```\n")
    w("</details>\n")
    return "\n".join(L) + "\n"


def main(argv=None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="python -m bench graph-search", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--graphs", type=int, default=FULL_SIZE, help="graphs to seed (default 100,000)")
    parser.add_argument("--quick", action="store_true", help="fewer requests per query")
    parser.add_argument("--reseed", action="store_true", help="drop the bench database and seed it again")
    parser.add_argument("--allow-busy", action="store_true",
                        help="measure even if the machine is not quiet (the report says the figures do not count)")
    parser.add_argument("--quiet-timeout", type=float, default=180.0, help="seconds to wait for a quiet machine")
    parser.add_argument("--redis-db", type=int, default=10, help="the Redis database number this bench owns")
    parser.add_argument("--db-name", default=DB_NAME, help=f"the bench's database (default {DB_NAME})")
    parser.add_argument("--out", help="report path (default: BENCHMARKS.md for a run that counts, else "
                                      "bench/out/graph-search-check.md)")
    args = parser.parse_args(argv)
    args.command = bench_command("graph-search", argv)
    stop_on_signals()  # the web server is stopped in run()'s finally block
    results, results_path = SearchBench(args).run()
    official = counts(results, args)
    out = Path(args.out) if args.out else (MAIN / "BENCHMARKS.md" if official else OUT / "graph-search-check.md")
    sections.write_section(out, "graph-search", render(results, results_path, official))
    if not official:
        log("these figures do not count (size, --quick, or a busy machine): not written to BENCHMARKS.md")
    log(f"report: {out}; raw figures: {results_path}; plans: {results['plans_path']}")
