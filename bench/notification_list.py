"""The notification list under 1,000,000 rows: ``.venv/bin/python -m bench list [--quick] [--reseed]``.

The issue's target: GET /api/v1/notifications/ answers in under 50 ms at the
median with 100,000 notifications for the user and 1,000,000 in the table.

1. A database of its own (beacon_bench_list; the realtime benchmark drops and
   remakes beacon_bench, so the two never share), migrated and seeded in SQL by
   bench/list_dataset.py, reused when it already holds this dataset.
2. The web process as production runs it: gunicorn with web/gunicorn_web.py,
   settings.production (DEBUG off), the Procfile's 2 workers x 4 threads.
3. Per case, sequential requests on one keep-alive connection from this
   process: a warm-up, then the measured ones (wall time from sending the
   request to the last byte of the answer).
4. The SQL each case's request runs, captured through Django's test client
   and explained (ANALYZE, BUFFERS): plans to the run's folder, a summary and
   the main query's plan to BENCHMARKS.md.

Before and after (bench/before.py): --before-commit REV runs all this first on
REV's code (a worktree under /tmp with the current bench/ copied in, in a
database of its own, beacon_bench_list_before, seeded once and reused: its
migrations, not the later code's, make the tables it reads; --reseed when
REV's migrations differ from the last REV's), then here, and
adds the section "list-before-after": each case's median and p99 and the SQL
time of its queries on the notifications; or --before-results PATH (an
earlier run's list-results-*.json) for that section without re-running the
earlier code.
"""

import argparse
import hashlib
import http.client
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

from bench import before, before_figures, sections
from bench.facts import code_state, machine_facts
from bench.log import log
from bench.proc import bench_command, stop_on_signals
from bench.quiet import MachineWatch
from bench.quiet import describe as quiet_line
from bench.servers import ServerProcess, free_port
from bench.stats import percentile

MAIN = Path(__file__).resolve().parent.parent
PY = str(MAIN / ".venv" / "bin" / "python")
GUNICORN = str(MAIN / ".venv" / "bin" / "gunicorn")
OUT = MAIN / "bench" / "out"
DB_NAME = "beacon_bench_list"
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
TARGET_MS = 50.0
PACKAGES = ("Django", "djangorestframework", "gunicorn", "psycopg2-binary")
FULL = {"warmup": 30, "requests": 300, "case_seconds": 60}
QUICK = {"warmup": 10, "requests": 40, "case_seconds": 20}
# A case slower than the budget stops early (warm-up included), with at least
# this many measured requests: a one-second case would otherwise take minutes.
MIN_REQUESTS = 30

# Search words, chosen from the dataset's vocabulary (bench/list_dataset.py):
# one the reader has thousands of, one (a person) they have a few dozen of,
# and one they have none of although a tenth of the table has it (the groups
# called "... Journal Club", which the reader is in none of).
WORD_COMMON = "metabolic"
WORD_PERSON = "victor157"
WORD_NOT_MINE = "journal"
WORD_EVERYWHERE = "updated"  # a verb: a third of everyone's notifications


def cases(facts: dict) -> dict[str, dict]:
    """Name -> query parameters. Ids come from the data: a graph with ~100 of the reader's notifications,
    the busiest graph, and the id nine tenths of the way down the reader's list."""
    return {
        "first page": {},
        "state=unread": {"state": "unread"},
        "kind=watching": {"kind": "watching"},
        f"q={WORD_COMMON}": {"q": WORD_COMMON},
        f"q={WORD_PERSON}": {"q": WORD_PERSON},
        f"q={WORD_NOT_MINE}": {"q": WORD_NOT_MINE},
        f"q={WORD_EVERYWHERE}": {"q": WORD_EVERYWHERE},
        "target=graph (~100)": {"target": f"graph:{facts['some_graph']}"},
        "unread+group+q": {"state": "unread", "kind": "group", "q": WORD_COMMON},
        "unread+watching+busy graph": {"state": "unread", "kind": "watching", "target": f"graph:{facts['busy_graph']}"},
        "deep page (90,000th)": {"before": facts["deep_before"]},
    }


class WebServer(ServerProcess):
    """``gunicorn --config python:web.gunicorn_web`` (the Procfile's web line) on a port of its own."""

    def __init__(self, env: dict, log_path: Path):
        super().__init__(log_path)
        self.port = free_port()
        self.env = {**os.environ, **env, "WEB_PORT": str(self.port)}

    def start(self, timeout: float = 60.0) -> None:
        self._spawn([GUNICORN, "--config", "python:web.gunicorn_web"], self.env)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}; see {self.log_path}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/accounts/login/")
                conn.getresponse().read()
                conn.close()
                return
            except OSError:
                time.sleep(0.2)
        raise TimeoutError(f"gunicorn did not answer within {timeout:.0f}s; see {self.log_path}")


def timed_gets(port: int, path: str, headers: dict, *, warmup: int, requests: int, budget: float,
               min_requests: int = 1, warmup_budget: float | None = None) -> tuple[list[float], bytes]:
    """Sequential GETs on one keep-alive connection: the measured ones' milliseconds, from sending the request
    to the answer's last byte, and the last answer's body. Past ``budget`` seconds it stops once
    ``min_requests`` are measured; warm-up requests past ``warmup_budget`` seconds are skipped."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    times: list[float] = []
    body = b""
    started = time.monotonic()
    try:
        for i in range(warmup + requests):
            if i >= warmup and len(times) >= min_requests and time.monotonic() - started > budget:
                break
            if i < warmup and warmup_budget is not None and time.monotonic() - started > warmup_budget:
                continue
            t0 = time.perf_counter()
            conn.request("GET", path, headers=headers)
            resp = conn.getresponse()
            body = resp.read()
            elapsed = 1000 * (time.perf_counter() - t0)
            if resp.status != 200:
                raise RuntimeError(f"GET {path} answered {resp.status}: {body[:300]!r}")
            if i >= warmup:
                times.append(elapsed)
    finally:
        conn.close()
    return times, body


def measure(port: int, path: str, headers: dict, *, warmup: int, requests: int, budget: float, check) -> dict:
    """Sequential GETs on one keep-alive connection; milliseconds from request to the answer's last byte."""
    times, body = timed_gets(port, path, headers, warmup=warmup, requests=requests, budget=budget,
                             min_requests=MIN_REQUESTS, warmup_budget=budget / 4)
    times.sort()
    return {"count": len(times), "median_ms": statistics.median(times), "p90_ms": percentile(times, 0.90),
            "p99_ms": percentile(times, 0.99), "min_ms": times[0], "max_ms": times[-1],
            "mean_ms": statistics.fmean(times), "answer": check(body), "bytes": len(body)}


def check_api(body: bytes) -> dict:
    page = json.loads(body)
    return {"results": len(page["results"]), "has_next": page["next"] is not None, "unread": page["unread"]}


def check_page(body: bytes) -> dict:
    return {"results": body.count(b'class="notification'), "has_next": None, "unread": None}


def code_fingerprint() -> str:
    """A hash of what the web process loads (web/, settings/, as on disk): other helpers' commits elsewhere do
    not change it, an edit to a view or a query does."""
    digest = hashlib.sha1()
    for folder in ("web", "settings"):
        for path in sorted((MAIN / folder).rglob("*")):
            if path.is_file() and path.suffix in (".py", ".html"):
                digest.update(str(path.relative_to(MAIN)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def choose_endpoint(wanted: str) -> str:
    if wanted != "auto":
        return wanted
    return "api" if (MAIN / "web" / "api" / "urls.py").exists() else "page"


class ListBench:
    def __init__(self, args):
        self.args = args
        self.p = QUICK if args.quick else FULL
        self.stamp = time.strftime("%Y%m%d-%H%M%S")
        self.dir = OUT / f"list-{self.stamp}"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.db_name = args.db_name
        self.database_url = f"postgres://postgres@127.0.0.1:5432/{self.db_name}"
        # One key for the run: the reader's session, made by the seeding process, is signed with it.
        self.env = {"DJANGO_SETTINGS_MODULE": "settings.dev", "DATABASE_URL": self.database_url,
                    "REDIS_URL": f"redis://127.0.0.1:6379/{args.redis_db}", "LOG_LEVEL": "WARNING",
                    "SECRET_KEY": secrets.token_urlsafe(48)}

    def django(self, *argv, **kw):
        return subprocess.run([PY, *argv], cwd=MAIN, env={**os.environ, **self.env}, check=True, **kw)

    def prepare_database(self) -> dict:
        admin = psycopg2.connect(PG_ADMIN)
        admin.autocommit = True
        with admin.cursor() as cur:
            if self.args.reseed:
                cur.execute(f"DROP DATABASE IF EXISTS {self.db_name} WITH (FORCE)")
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [self.db_name])
            if not cur.fetchone():
                log(f"database {self.db_name}: created")
                cur.execute(f"CREATE DATABASE {self.db_name}")
        admin.close()
        self.django("manage.py", "migrate", "--noinput", "-v", "0")
        facts_path = self.dir / "dataset.json"
        self.django("-m", "bench.list_dataset", "seed", str(facts_path),
                    ",".join([WORD_COMMON, WORD_PERSON, WORD_NOT_MINE, WORD_EVERYWHERE]))
        facts = json.loads(facts_path.read_text())
        log(f"dataset {'reused' if facts['reused'] else 'seeded'} in {facts['seconds']:.0f}s: "
            f"{facts['total']:,} notifications, {facts['reader_total']:,} the reader's "
            f"({facts['reader_unread']:,} unread)")
        return facts

    def run(self) -> dict:
        started = time.monotonic()
        endpoint = choose_endpoint(self.args.endpoint)
        base = "/api/v1/notifications/" if endpoint == "api" else "/notifications/"
        facts = self.prepare_database()
        if endpoint == "api":
            headers, check = {"Authorization": f"Token {facts['token']}"}, check_api
        else:
            headers, check = {"Cookie": f"sessionid={facts['session']}"}, check_page
        paths = {name: base + ("?" + urlencode(params) if params else "") for name, params in cases(facts).items()}
        results = {"meta": machine_facts(PACKAGES), "command": self.args.command,
                   "endpoint": endpoint, "base": base, "params": self.p, "dataset": facts, "target_ms": TARGET_MS,
                   "cases": {}}
        server = WebServer({**self.env, "DJANGO_SETTINGS_MODULE": "settings.production", "DEBUG": "false"},
                           self.dir / "gunicorn.log")
        log(f"measuring GET {base} ({endpoint}) on gunicorn port {server.port}: "
            f"{self.p['warmup']} warm-up + {self.p['requests']} requests per case")
        results["code"] = code_state()
        results["fingerprint"] = code_fingerprint()  # what gunicorn loads now
        server.start()
        watch = None
        try:
            watch = MachineWatch(databases=[self.db_name, "postgres"], pg_dsn=PG_ADMIN)
            results["machine_before"] = watch.wait_until_quiet(log=log)
            watch.start()
            for name, path in paths.items():
                row = measure(server.port, path, headers, warmup=self.p["warmup"], requests=self.p["requests"],
                              budget=self.p["case_seconds"], check=check)
                row["path"] = path
                results["cases"][name] = row
                log(f"  {name:30} median {row['median_ms']:6.1f} ms  p90 {row['p90_ms']:6.1f}  "
                    f"p99 {row['p99_ms']:6.1f}  min {row['min_ms']:5.1f}  ({row['answer']['results']} results)")
        finally:
            if watch is not None and watch.started:
                results["machine"] = watch.stop()
            server.stop()
        if results.get("machine") and not results["machine"]["quiet"]:
            log(f"WARNING: {quiet_line(results['machine'])}")
        self.explain(results, paths, facts)
        results["code_after"] = code_state()
        results["fingerprint_after"] = code_fingerprint()
        if results["fingerprint_after"] != results["fingerprint"]:
            log(f"web/ or settings/ changed during the run ({results['code']} -> {results['code_after']}): "
                "the figures and the plans may come from different code")
        results["elapsed_seconds"] = time.monotonic() - started
        results_path = self.results_path = OUT / f"list-results-{self.stamp}.json"
        for path in (results_path, *([Path(self.args.results_json)] if self.args.results_json else [])):
            path.write_text(json.dumps(results, indent=1, default=str))
        out = out_path(self.args)
        sections.write_section(out, "list", render(results, results_path))
        log(f"report: {out}; raw figures: {results_path}; plans: {self.dir / 'plans.txt'}; "
            f"{results['elapsed_seconds']:.0f}s")
        return results

    def explain(self, results: dict, paths: dict, facts: dict) -> None:
        job = self.dir / "explain-job.json"
        job.write_text(json.dumps({"cases": paths, "token": facts["token"], "session": facts["session"]}))
        plans_path = self.dir / "plans.json"
        self.django("-m", "bench.list_dataset", "explain", str(job), str(plans_path))
        plans = json.loads(plans_path.read_text())
        lines = []
        for name, plan in plans.items():
            results["cases"][name]["sql"] = {
                "queries": plan["queries"], "status": plan["status"],
                "on_notifications": [{k: v for k, v in q.items() if k != "sql"} for q in plan["on_notifications"]],
            }
            lines += [f"===== {name}: GET {plan['path']} ({plan['status']}), {plan['queries']} SQL queries:",
                      *(f"  {sql}" for sql in plan["all_sql"]), ""]
            for q in plan["on_notifications"]:
                lines += [q["sql"], "", q["text"], ""]
        (self.dir / "plans.txt").write_text("\n".join(lines))
        results["plans_path"] = str((self.dir / "plans.txt").relative_to(MAIN))


def _main_query(case: dict) -> dict | None:
    """The page's query: the one on the notification table that took longest."""
    qs = case.get("sql", {}).get("on_notifications") or []
    return max(qs, key=lambda q: q["execution_ms"] or 0) if qs else None


def render(results: dict, results_path: Path) -> str:
    m, d = results["meta"], results["dataset"]
    L = []
    w = L.append
    w("# The notification list: 100,000 of one user's notifications among 1,000,000\n")
    w("Produced by one command, from the project root (`make bench` runs it too, before the realtime benchmark):\n")
    w(f"    {results['command']}\n")
    w(f"Raw figures: `{Path(results_path).relative_to(MAIN)}`; every query's `EXPLAIN (ANALYZE, BUFFERS)` in "
      f"`{results['plans_path']}` (bench/out/ is git-ignored).\n")
    endpoint = ("`GET /api/v1/notifications/` (Django REST framework, `Authorization: Token`)"
                if results["endpoint"] == "api" else
                "the HTML page `GET /notifications/` (session cookie): the API was not there when this ran")
    w(f"**What is measured.** {endpoint}, served as production serves it: `gunicorn --config "
      "python:web.gunicorn_web` (the Procfile's web line: 2 workers x 4 threads), `settings.production` (DEBUG "
      "off), PostgreSQL on the same machine. One client in the benchmark's process sends the requests one after "
      f"another on one keep-alive connection: {results['params']['warmup']} warm-up requests, then "
      f"{results['params']['requests']} measured ones per case (a case still running after "
      f"{results['params']['case_seconds']} s stops at that point, with at least {MIN_REQUESTS}: *n* says how "
      "many), each timed from sending the request to reading the answer's last byte. Nothing is pinned to a "
      "core.\n")
    w(quiet_line(results.get("machine")) + "\n")
    w(f"**Dataset** (`bench/list_dataset.py`, seeded in SQL in {d['seed_seconds']:.0f} s on {d['seeded_at'][:10]}; "
      f"this run {'reused it' if d['reused'] else 'seeded it'}): {d['total']:,} notifications for "
      f"{d['users_with_notifications']:,} users {_stored_in(d['tables'])}; the reader has "
      f"{d['reader_total']:,} of them, every tenth row of the table, {d['reader_unread']:,} unread; kinds "
      + ", ".join(f"{k} {v:,}" for k, v in d["reader_kinds"].items())
      + ". Graph, layout, group and person names come from a research group's vocabulary; the search words: "
      + ", ".join(f"`{k}` in {v['reader']:,} of the reader's and {v['table']:,} of the table's"
                  for k, v in d["word_counts"].items())
      + f". The reader's busiest graph has {d['busy_graph_count']:,} notifications; the one the target case asks "
      f"for has {d['some_graph_count']}. `VACUUM ANALYZE` after seeding. Indexes (as migrated): "
      + "; ".join(f"on `{t['name']}` " + ", ".join(f"`{i}`" for i in t["indexes"]) for t in d["tables"]) + ".\n")
    if results["fingerprint_after"] != results["fingerprint"]:
        w(f"> **web/ or settings/ changed during this run**: {results['code']} when gunicorn started, "
          f"{results['code_after']} when the plans were taken. The figures and the plans may not match; run it "
          "again.\n")
    w("## Machine\n")
    pk = m["packages"]
    w(f"- CPU: {m['cpu']}, {m['cores']} cores; {m['memory_gib']} GiB; {m['os']}, kernel {m['kernel']}")
    w(f"- Beacon's code: commit {results['code']} (`+hash`: uncommitted changes to web/, settings/, realtime/, "
      f"requirements/ or gunicorn.conf.py); web/ and settings/ as loaded: `{results['fingerprint']}`")
    w(f"- Python {m['python']}, " + ", ".join(f"{k} {pk[k]}" for k in ("Django", "djangorestframework", "gunicorn",
                                                                     "psycopg2-binary") if k in pk))
    w(f"- PostgreSQL {m['postgresql']} (the machine's server, its configuration untouched)")
    w(f"- Date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; whole run "
      f"{results.get('elapsed_seconds', 0):.0f} s\n")
    w(f"## Figures (milliseconds; target: median under {results['target_ms']:.0f} ms)\n")
    w("| case | query | median | p90 | p99 | min | n | results | median < 50 ms | plan (main query) | "
      "SQL time |")
    w("|---|---|---:|---:|---:|---:|---:|---:|---|---|---:|")
    for name, c in results["cases"].items():
        q = _main_query(c)
        plan = "—"
        if q:
            plan = ", ".join(f"`{i}`" for i in q["indexes"]) or "no index"
            if q["seq_scan"]:
                plan = "**Seq Scan** " + plan
        query = c["path"].split("?", 1)[1] if "?" in c["path"] else "(none)"
        met = "yes" if c["median_ms"] < results["target_ms"] else "**no**"
        w(f"| {name} | `{query}` | {c['median_ms']:.1f} | {c['p90_ms']:.1f} | {c['p99_ms']:.1f} | "
          f"{c['min_ms']:.1f} | {c['count']} | {c['answer']['results']} | {met} | {plan} | "
          f"{_ms(q and q['execution_ms'])} |")
    w("")
    w("*SQL time*: the main query's `Execution Time` under `EXPLAIN (ANALYZE, BUFFERS)`, run right after the "
      "measurements (warm). *plan*: the indexes it used. *results*: notifications on the page.\n")
    tables = " or ".join(f"`{t['name']}`" for t in d["tables"])
    missed = [n for n, c in results["cases"].items() if c["median_ms"] >= results["target_ms"]]
    seq = [n for n, c in results["cases"].items()
           if any(q["seq_scan"] for q in c.get("sql", {}).get("on_notifications", []))]
    w("**Target:** " + (f"met in every case: each median is under {results['target_ms']:.0f} ms." if not missed else
                        f"missed in {len(missed)} of {len(results['cases'])} cases: " + ", ".join(missed) + ".")
      + (f" No query scans {tables} sequentially." if not seq else
         f" Sequential scans of {tables} in: " + ", ".join(seq) + ".") + "\n")
    why = _why_absent_word_is_slow(results)
    if why:
        w(why)
    w("<details><summary>The main query's plan, per case</summary>\n")
    for name, c in results["cases"].items():
        q = _main_query(c)
        if not q:
            continue
        w(f"**{name}** (`{c['path']}`; {c['sql']['queries']} SQL queries per request)\n")
        w("```")
        w(q["text"])
        w("```\n")
    w("</details>\n")
    return "\n".join(L) + "\n"


def _stored_in(tables: list[dict]) -> str:
    """Where the dataset's notifications are: their own table's rows, and the notices under them if any."""
    def sizes(t):
        return f"{t['size']} with indexes, heap {t['heap']}"

    own, *under = tables
    text = f"in `{own['name']}` ({sizes(own)})"
    for t in under:
        text += (f", each over a notice of its own that holds what it says (each is its own event): "
                 f"{t['rows']:,} in `{t['name']}` ({sizes(t)})")
    return text


def _why_absent_word_is_slow(results: dict) -> str | None:
    """Why ``q=journal`` missed the target, when its plan shows the reason below; None otherwise.

    The reason holds where the words are the same for everyone (notices):
    PostgreSQL then knows a word's share of the whole table only, and takes
    the reader's share of it to be the same.
    """
    d = results["dataset"]
    absent = results["cases"].get(f"q={WORD_NOT_MINE}")
    q = absent and _main_query(absent)
    newest, words_index = "notification_user_newest", d.get("words_index")
    if (d.get("schema") != "notices" or not q or absent["median_ms"] < results["target_ms"]
            or newest not in q["indexes"] or words_index in q["indexes"]):
        return None
    counts = d["word_counts"][WORD_NOT_MINE]
    return (f"**Why `q={WORD_NOT_MINE}` is slow.** None of the reader's notifications has the word, but "
            f"{counts['table']:,} of the table's do, and PostgreSQL estimates the reader's share from the table's "
            "(it cannot know the two are unrelated): expecting a match every few rows, it walks the reader's "
            f"notifications newest first (`{newest}`), reads each one's notice and tests its stored words, looking "
            f"for a page of them; it finds none, so it tests all {d['reader_total']:,}. The other plan, through the "
            f"words index (`{words_index}`), reads every notice that has the word and keeps the reader's, so its "
            "cost follows the word's frequency in the whole table. Any word common in the table and rare for one "
            "user is as slow; a word rare in the table, or common for the user, is fast (the other `q=` cases).\n")


def _ms(v) -> str:
    return "—" if v is None else f"{v:.1f}"


def out_path(args) -> Path:
    return Path(args.out) if args.out else (OUT / "list-quick.md" if args.quick else MAIN / "BENCHMARKS.md")


def main(argv=None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="python -m bench list", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer requests per case (same dataset); "
                                                             "report to bench/out/list-quick.md")
    parser.add_argument("--reseed", action="store_true", help="drop the bench database and seed it again")
    parser.add_argument("--endpoint", choices=("auto", "api", "page"), default="auto",
                        help="api: /api/v1/notifications/; page: /notifications/; auto: the API when web/api exists")
    parser.add_argument("--redis-db", type=int, default=11, help="the Redis database number this bench owns")
    parser.add_argument("--db-name", default=DB_NAME,
                        help=f"the bench's database (default {DB_NAME}; --before-commit's earlier run: "
                             f"{DB_NAME}_before)")
    parser.add_argument("--out", help="report path (default BENCHMARKS.md; --quick: bench/out/list-quick.md)")
    before.add_options(parser)
    args = parser.parse_args(argv)
    args.command = bench_command("list", argv)
    stop_on_signals()  # bench/before.py's worktree, and the servers, are stopped in the finally blocks
    # The earlier code in a database of its own: its migrations, not the later code's, make the tables it reads.
    earlier = before.earlier(args, "list", argv, before_figures.list_code, ("--db-name", f"{DB_NAME}_before"))
    bench = ListBench(args)
    results = bench.run()
    if earlier:
        before.write_section(out_path(args), "list-before-after", before_figures.LIST_TITLE, args.command, earlier,
                             (before_figures.list_code(results), bench.results_path),
                             before_figures.notification_list(earlier.results),
                             before_figures.notification_list(results))
