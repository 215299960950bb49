"""The notification-list benchmark's data, and the plans of its queries (Django side).

Run with the bench database's environment (DATABASE_URL, DJANGO_SETTINGS_MODULE):

  python -m bench.list_dataset seed OUT.json      1,000,000 notifications in SQL, 100,000 of them the reader's
  python -m bench.list_dataset explain IN.json OUT.json   the SQL one request runs, with EXPLAIN (ANALYZE, BUFFERS)

Either schema (bench/schema.py): whole rows, or thin rows over notices (one
notice per notification here: each is its own event), the same notifications
in both. ``seed`` reuses the database when its ``bench_dataset`` row says it
holds this very dataset (the same SPEC, schema and seeding SQL) and the counts
agree; otherwise it empties the tables and seeds again. Either way it writes
the reader's log-ins and the ids the cases need to OUT.json.
"""

import hashlib
import json
import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings.dev")

import django

django.setup()

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection, transaction

from bench.api_keys import new_key, store_keys, token_table
from bench.schema import Schema, schema_of

SPEC = {
    "notifications": 1_000_000,
    "reader_every": 10,  # every 10th notification is the reader's: 100,000, spread through the table
    "users": 1_000,  # the reader (id 1) and 999 others, who act and receive the rest
    "graphs": 20_000, "layouts_per_graph": 3, "groups": 2_000,
    "reader_graphs": 500, "reader_groups": 8,
    "unread_share": 0.10,
}
READER = "reader"
READER_PASSWORD = "bench-reader-password"

FIRST_NAMES = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory",
               "niaj", "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter", "yasmin"]
# Graph and layout names are words of a research group's vocabulary; the
# first words of each list are common, the last ones rare (the index is
# skewed), so a search finds thousands of rows or a handful.
SUBJECTS = ["yeast", "human", "mouse", "ecoli", "arabidopsis", "zebrafish", "drosophila", "celegans", "rat",
            "bacillus", "maize", "rice", "xenopus", "chicken", "plasmodium", "tardigrade"]
TOPICS = ["protein", "metabolic", "signaling", "regulatory", "coexpression", "interaction", "pathway",
          "transcription", "kinase", "phosphorylation", "microbiome", "epigenetic", "ribosome", "glycolysis"]
SHAPES = ["network", "map", "graph", "model", "atlas", "wiring"]
LAYOUTS = ["force", "circular", "hierarchical", "clustered", "figure", "draft", "final", "poster", "grid"]
LABS = ["Systems Biology", "Proteomics", "Genomics", "Bioinformatics", "Structural Biology", "Neuroscience",
        "Ecology", "Immunology", "Cell Biology", "Biophysics"]
LAB_KINDS = ["Lab", "Core", "Group", "Consortium", "Journal Club"]


def _array(words) -> str:
    return "(ARRAY[" + ", ".join("'" + w.replace("'", "''") + "'" for w in words) + "])"


# One row per notification, drawn in one SELECT. r1..r6 are the row's random
# draws (setseed makes the dataset the same on every run, and on either
# schema: both statements below read these rows). Ids follow i, so the
# reader's rows are spread through the table as they would be in a live one,
# oldest first.
ROWS_SQL = f"""
SELECT
    i, user_id, kind, verb, actor_id, actor_name, target_type, target_id, target_name,
    CASE WHEN target_type <> 'group' THEN graph_id END AS graph_id,
    CASE WHEN target_type <> 'group' THEN graph_name ELSE '' END AS graph_name,
    CASE WHEN kind = 'group' OR target_type = 'group' THEN group_id END AS group_id,
    CASE WHEN kind = 'group' OR target_type = 'group' THEN group_name ELSE '' END AS group_name,
    CASE WHEN verb IN ('added', 'removed', 'left') THEN member_id END AS member_id,
    CASE WHEN verb IN ('added', 'removed', 'left') THEN member_name ELSE '' END AS member_name,
    CASE WHEN verb = 'renamed' THEN target_name || ' draft' ELSE '' END AS old_name,
    CASE WHEN verb = 'deleted' THEN ''
         WHEN target_type = 'group' THEN '/groups/' || target_id || '/'
         WHEN target_type = 'layout' THEN '/graphs/' || graph_id || '/layouts/' || target_id || '/'
         ELSE '/graphs/' || target_id || '/' END AS link,
    CASE kind
        WHEN 'owner' THEN '[{{"kind": "owner"}}]'::jsonb
        WHEN 'group' THEN jsonb_build_array(jsonb_build_object(
            'kind', 'group', 'group', jsonb_build_object('id', group_id, 'name', group_name)))
        ELSE jsonb_build_array(jsonb_build_object(
            'kind', 'watching', 'watched', jsonb_build_object('type', 'graph', 'id', graph_id, 'name', graph_name)))
    END AS reasons,
    created,
    CASE WHEN r6 < %(unread_share)s THEN NULL ELSE created + interval '3 hours' END AS read_at,
    CASE WHEN r6 < 0.3 THEN created + interval '10 minutes' END AS mailed_at
FROM (
    SELECT *,
        CASE WHEN kind = 'owner' THEN user_id ELSE actor_other END AS actor_id,
        CASE WHEN kind = 'owner' THEN user_name ELSE actor_other_name END AS actor_name,
        CASE target_type WHEN 'graph' THEN graph_id WHEN 'layout' THEN layout_id ELSE group_id END AS target_id,
        CASE target_type WHEN 'graph' THEN graph_name WHEN 'layout' THEN layout_name ELSE group_name END
            AS target_name,
        CASE
            WHEN target_type = 'group' AND kind <> 'owner' THEN
                (ARRAY['added', 'removed', 'left', 'renamed', 'added', 'added'])[1 + floor(r5 * 6)::int]
            WHEN target_type = 'group' THEN (ARRAY['created', 'renamed'])[1 + floor(r5 * 2)::int]
            WHEN kind = 'owner' THEN
                (ARRAY['uploaded', 'created', 'updated', 'renamed', 'shared', 'deleted'])[1 + floor(r5 * 6)::int]
            WHEN kind = 'group' THEN
                (ARRAY['shared', 'shared', 'updated', 'updated', 'renamed', 'deleted'])[1 + floor(r5 * 6)::int]
            ELSE (ARRAY['updated', 'updated', 'updated', 'renamed', 'shared', 'deleted'])[1 + floor(r5 * 6)::int]
        END AS verb
    FROM (
        SELECT *,
            {_array(SUBJECTS)}[1 + (graph_id * 7) %% {len(SUBJECTS)}]
              || ' ' || {_array(TOPICS)}[1 + (graph_id / 3) %% {len(TOPICS)}]
              || ' ' || {_array(SHAPES)}[1 + graph_id %% {len(SHAPES)}] || ' v' || (graph_id %% 9 + 1) AS graph_name,
            {_array(LAYOUTS)}[1 + layout_id %% {len(LAYOUTS)}] || ' layout ' || layout_id AS layout_name,
            {_array(LABS)}[1 + group_id %% {len(LABS)}]
              || ' ' || {_array(LAB_KINDS)}[1 + (group_id / 7) %% {len(LAB_KINDS)}]
              || ' ' || group_id AS group_name,
            {_array(FIRST_NAMES)}[1 + actor_other %% {len(FIRST_NAMES)}] || actor_other AS actor_other_name,
            {_array(FIRST_NAMES)}[1 + member_id %% {len(FIRST_NAMES)}] || member_id AS member_name,
            CASE WHEN user_id = 1 THEN 'reader'
                 ELSE {_array(FIRST_NAMES)}[1 + user_id %% {len(FIRST_NAMES)}] || user_id END AS user_name
        FROM (
            SELECT i, r1, r2, r3, r4, r5, r6, user_id, kind,
                -- one watches graphs (and so their layouts), not groups
                CASE WHEN r3 < 0.45 THEN 'graph' WHEN r3 < 0.8 OR kind = 'watching' THEN 'layout' ELSE 'group' END
                    AS target_type,
                graph_id,
                graph_id * %(layouts_per_graph)s - i %% %(layouts_per_graph)s AS layout_id,
                -- the others' groups follow who they are (each has a few); the reader has a handful
                CASE WHEN user_id = 1 THEN 1 + floor(r1 * %(reader_groups)s)::int
                     ELSE 1 + floor(r1 * %(groups)s)::int END AS group_id,
                2 + ((i::bigint * 7919 + floor(r5 * 1000)::int) %% (%(users)s - 1))::int AS actor_other,
                2 + ((i::bigint * 104729) %% (%(users)s - 1))::int AS member_id,
                now() - ((%(notifications)s - i) * interval '30 seconds') AS created
            FROM (
                SELECT i, r1, r2, r3, r4, r5, r6,
                    CASE WHEN i %% %(reader_every)s = 0 THEN 1 ELSE 2 + floor(r1 * (%(users)s - 1))::int END
                        AS user_id,
                    CASE WHEN r2 < 0.15 THEN 'owner' WHEN r2 < 0.65 THEN 'group' ELSE 'watching' END AS kind,
                    -- the reader's graphs are few and some far busier than others
                    CASE WHEN i %% %(reader_every)s = 0 THEN 1 + floor(%(reader_graphs)s * r4 * r4)::int
                         ELSE 1 + floor(r4 * %(graphs)s)::int END AS graph_id
                FROM (
                    SELECT i, random() AS r1, random() AS r2, random() AS r3, random() AS r4, random() AS r5,
                        random() AS r6
                    FROM generate_series(1, %(notifications)s) AS i
                ) draws
            ) who
        ) what
    ) named
) final
"""

# What a notification says, in the columns of both schemas (the event's ids are drawn apart from r1..r6).
_SAID = ("kind, verb, actor_id, actor_name, target_type, target_id, target_name, graph_id, graph_name, group_id, "
         "group_name, member_id, member_name, old_name, link")

# Whole rows: each notification holds all of it.
WHOLE_ROWS_SQL = f"""
INSERT INTO notifications_notification (
    id, user_id, event_id, action_id, {_SAID}, reasons, created, read_at, mailed_at)
SELECT i, user_id, gen_random_uuid(), gen_random_uuid(), {_SAID}, reasons, created, read_at, mailed_at
FROM ({ROWS_SQL}) r
"""

# Notices: each notification is its own event and action here, so each has a
# notice of its own (the same id), whose one reasons list is the reader's.
NOTICES_SQL = f"""
WITH r AS MATERIALIZED ({ROWS_SQL}),
notices AS (
    INSERT INTO notifications_notice (id, event_id, action_id, {_SAID}, reasons, created, group_key)
    SELECT i, gen_random_uuid(), gen_random_uuid(), {_SAID}, jsonb_build_array(reasons), created, '' FROM r
    RETURNING id, signature, signature_b
)
INSERT INTO notifications_notification (id, user_id, notice_id, reasons_index, read_at, mailed_at, words_signature,
                                        words_signature_b)
SELECT r.i, r.user_id, r.i, 0, r.read_at, r.mailed_at, notices.signature, notices.signature_b
FROM r JOIN notices ON notices.id = r.i
"""


def seed_sql(schema: Schema) -> str:
    return NOTICES_SQL if schema.notices else WHOLE_ROWS_SQL


def spec_key(schema: Schema) -> str:
    """The dataset's identity: its SPEC, the schema it is stored in, and the SQL that stores it there."""
    text = json.dumps(SPEC, sort_keys=True) + schema.name + seed_sql(schema)
    return hashlib.sha1(text.encode()).hexdigest()[:16]


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def dataset_is_current(cur, schema: Schema) -> bool:
    cur.execute("SELECT to_regclass('bench_dataset') IS NOT NULL")
    if not cur.fetchone()[0]:
        return False
    cur.execute("SELECT spec FROM bench_dataset")
    row = cur.fetchone()
    if not row or row[0] != spec_key(schema):
        return False
    cur.execute("SELECT count(*), count(*) FILTER (WHERE user_id = 1) FROM notifications_notification")
    total, reader = cur.fetchone()
    return total == SPEC["notifications"] and reader == SPEC["notifications"] // SPEC["reader_every"]


def seed(cur, schema: Schema) -> None:
    """Every table the dataset touches emptied, then filled in bulk SQL; indexes built after the rows."""
    started = time.monotonic()
    cur.execute("DROP TABLE IF EXISTS bench_dataset")
    cur.execute(f"TRUNCATE {', '.join(schema.tables)}, notifications_userstream, notifications_streamevent, "
                f"{token_table()}, django_session, auth_user CASCADE")
    cur.execute("SELECT setseed(0.42)")
    password = make_password(READER_PASSWORD)
    cur.execute(
        """INSERT INTO auth_user (id, password, is_superuser, username, first_name, last_name, email, is_staff,
                                  is_active, date_joined)
           SELECT u, CASE WHEN u = 1 THEN %s ELSE '!' END, false,
                  CASE WHEN u = 1 THEN %s ELSE (%s::text[])[1 + u %% %s] || u END, '', '', '', false, true, now()
           FROM generate_series(1, %s) AS u""",
        [password, READER, FIRST_NAMES, len(FIRST_NAMES), SPEC["users"]],
    )
    cur.execute("SELECT setval(pg_get_serial_sequence('auth_user', 'id'), %s)", [SPEC["users"]])
    # Secondary indexes are built once after the insert, not row by row.
    cur.execute("""SELECT indexname, indexdef FROM pg_indexes i
                   WHERE tablename = ANY(%s)
                     AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)""",
                [list(schema.tables)])
    indexes = cur.fetchall()
    for name, _ in indexes:
        cur.execute(f'DROP INDEX "{name}"')
    cur.execute("SET LOCAL maintenance_work_mem = '512MB'")
    t = time.monotonic()
    cur.execute(seed_sql(schema), SPEC)
    log(f"{cur.rowcount:,} notifications inserted ({schema.name}) in {time.monotonic() - t:.0f}s")
    cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the foreign-key checks now: no index is built over pending ones
    t = time.monotonic()
    for _, definition in indexes:
        cur.execute(definition)
    log(f"{len(indexes)} indexes built in {time.monotonic() - t:.0f}s")
    for table in schema.tables:  # each notification's notice has its id
        cur.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [table, SPEC["notifications"]])
    cur.execute("""INSERT INTO notifications_userstream (user_id, last_seq, unread)
                   SELECT u.id, coalesce(n.total, 0), coalesce(n.unread, 0) FROM auth_user u
                   LEFT JOIN (SELECT user_id, count(*) AS total, count(*) FILTER (WHERE read_at IS NULL) AS unread
                              FROM notifications_notification GROUP BY user_id) n ON n.user_id = u.id""")
    cur.execute("CREATE TABLE bench_dataset (spec text NOT NULL, seeded_at timestamptz NOT NULL, "
                "seconds double precision NOT NULL)")
    cur.execute("INSERT INTO bench_dataset VALUES (%s, now(), %s)", [spec_key(schema), time.monotonic() - started])


def logins() -> dict:
    """A token and a session for the reader (made if missing: the HTML page takes the session)."""
    reader = get_user_model().objects.get(username=READER)
    key = new_key()
    store_keys({reader.pk: key}, replace=True)
    store = SessionStore()
    store.update({"_auth_user_id": str(reader.pk), "_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
                  "_auth_user_hash": reader.get_session_auth_hash()})
    store.create()
    return {"user_id": reader.pk, "token": key, "session": store.session_key}


def case_ids(cur, schema: Schema) -> dict:
    """The ids the cases ask for, read from the data (a busy graph, a deep page's cursor)."""
    rows = schema.notifications
    cur.execute(f"""SELECT graph_id, count(*) FROM {rows} WHERE n.user_id = 1
                    AND graph_id IS NOT NULL GROUP BY graph_id ORDER BY count(*) DESC, graph_id LIMIT 1""")
    busy_graph, busy_count = cur.fetchone()
    cur.execute(f"""SELECT graph_id, count(*) FROM {rows} WHERE n.user_id = 1
                    AND graph_id IS NOT NULL GROUP BY graph_id ORDER BY abs(count(*) - 100), graph_id LIMIT 1""")
    some_graph, some_count = cur.fetchone()
    # The 90,000th newest: nine tenths of the way down the reader's list.
    cur.execute("SELECT id FROM notifications_notification WHERE user_id = 1 ORDER BY id DESC OFFSET 90000 LIMIT 1")
    deep_before = cur.fetchone()[0]
    cur.execute("SELECT count(*), count(*) FILTER (WHERE read_at IS NULL) FROM notifications_notification "
                "WHERE user_id = 1")
    reader_total, reader_unread = cur.fetchone()
    cur.execute("SELECT count(*), count(DISTINCT user_id) FROM notifications_notification")
    total, users = cur.fetchone()
    cur.execute(f"SELECT kind, count(*) FROM {rows} WHERE n.user_id = 1 GROUP BY kind ORDER BY kind")
    kinds = dict(cur.fetchall())
    cur.execute("SELECT seeded_at, seconds FROM bench_dataset")
    seeded_at, seed_seconds = cur.fetchone()
    return {"busy_graph": busy_graph, "busy_graph_count": busy_count, "some_graph": some_graph,
            "some_graph_count": some_count, "deep_before": deep_before, "reader_total": reader_total,
            "reader_unread": reader_unread, "reader_kinds": kinds, "total": total, "users_with_notifications": users,
            "schema": schema.name, "tables": [_table_facts(cur, table) for table in schema.tables],
            "words_index": _words_index(cur, schema), "seeded_at": seeded_at.isoformat(),
            "seed_seconds": round(seed_seconds, 1)}


def _table_facts(cur, table: str) -> dict:
    cur.execute("SELECT count(*), pg_size_pretty(pg_total_relation_size(%s)), "
                f"pg_size_pretty(pg_relation_size(%s)) FROM {table}", [table, table])
    rows, size, heap = cur.fetchone()
    cur.execute("SELECT indexname FROM pg_indexes WHERE tablename = %s ORDER BY 1", [table])
    return {"name": table, "rows": rows, "size": size, "heap": heap, "indexes": [row[0] for row in cur.fetchall()]}


def _words_index(cur, schema: Schema) -> str | None:
    """The index a search can take instead of walking the reader's rows: the GIN index of the stored words."""
    cur.execute("SELECT indexname FROM pg_indexes WHERE tablename = ANY(%s) AND indexdef LIKE '%%USING gin%%' "
                "ORDER BY 1 LIMIT 1", [list(schema.tables)])
    row = cur.fetchone()
    return row and row[0]


def word_counts(cur, schema: Schema, words) -> dict:
    """How many of the reader's notifications, and of the table's, each search word finds (as the list's search
    does)."""
    from web.notifications.models import Notification
    from web.notifications.queries import NotificationFilter
    out = {}
    for word in words:
        search = NotificationFilter(q=word)
        if schema.notices:
            # The words are the notice's, the same for everyone: the list's own search, over every user.
            reader = search.apply(Notification.objects.filter(user_id=1)).count()
            table = search.apply(Notification.objects.all()).count()
        else:
            reader = search.apply(Notification.objects.filter(user_id=1), 1).count()
            # Any user's lexeme "<id>u<word>..." (a scan; the list never asks this).
            cur.execute("SELECT count(*) FROM notifications_notification WHERE words::text ~ %s", [rf"'\d+u{word}"])
            table = cur.fetchone()[0]
        out[word] = {"reader": reader, "table": table}
    return out


def main_seed(out_path: str, words: list[str]) -> None:
    started = time.monotonic()
    with connection.cursor() as cur:
        schema = schema_of(cur)
        reused = dataset_is_current(cur, schema)
        if reused:
            # A migration since the last run may have added a column or an
            # index the planner has no statistics for yet.
            cur.execute(f"ANALYZE {', '.join(schema.tables)}")
            log(f"the bench database already holds this dataset ({schema.name}): reused (analyzed again)")
        else:
            log(f"seeding 1,000,000 notifications ({schema.name})")
            with transaction.atomic():
                seed(cur, schema)
            t = time.monotonic()
            cur.execute("VACUUM ANALYZE")
            log(f"VACUUM ANALYZE in {time.monotonic() - t:.0f}s")
        with transaction.atomic():
            facts = {"reused": reused, "seconds": round(time.monotonic() - started, 1), **case_ids(cur, schema),
                     **logins(), "word_counts": word_counts(cur, schema, words)}
    with open(out_path, "w") as f:
        json.dump(facts, f, indent=1, default=str)


def capture_request(path: str, token: str, session: str) -> tuple[int, list]:
    """The SQL one GET runs, through Django's test client (the same view, settings and middleware)."""
    from django.test import Client

    queries = []

    def record(execute, sql, params, many, context):
        queries.append((sql, params))
        return execute(sql, params, many, context)

    client = Client()
    client.cookies["sessionid"] = session
    with connection.execute_wrapper(record):
        response = client.get(path, HTTP_AUTHORIZATION=f"Token {token}", HTTP_HOST="127.0.0.1")
    return response.status_code, queries


def plan_nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from plan_nodes(child)


def explain(sql: str, params, schema: Schema) -> dict:
    with connection.cursor() as cur:
        literal = cur.cursor.mogrify(sql, params).decode()
        cur.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql, params)
        plan = cur.fetchone()[0]
        plan = plan[0] if isinstance(plan, list) else json.loads(plan)[0]
        cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        text = "\n".join(row[0] for row in cur.fetchall())
    nodes = list(plan_nodes(plan["Plan"]))
    on_tables = [n for n in nodes if n.get("Relation Name") in schema.tables]
    return {
        "sql": literal,
        "text": text,
        "execution_ms": plan.get("Execution Time"),
        "planning_ms": plan.get("Planning Time"),
        "seq_scan": any(n["Node Type"] == "Seq Scan" for n in on_tables),
        "indexes": sorted({n["Index Name"] for n in nodes if n.get("Index Name")}),
        "shared_hit": plan["Plan"].get("Shared Hit Blocks"), "shared_read": plan["Plan"].get("Shared Read Blocks"),
    }


def main_explain(in_path: str, out_path: str) -> None:
    """For each case: every query the request ran on the notification tables, explained (run twice: warm)."""
    job = json.load(open(in_path))
    out = {}
    with connection.cursor() as cur:
        schema = schema_of(cur)
    capture_request(next(iter(job["cases"].values())), job["token"], job["session"])  # the connection's first queries
    for name, path in job["cases"].items():
        status, queries = capture_request(path, job["token"], job["session"])
        explained = []
        for sql, params in queries:
            if not any(table in sql for table in schema.tables) or not sql.lstrip().upper().startswith("SELECT"):
                continue
            explain(sql, params, schema)
            explained.append(explain(sql, params, schema))
        out[name] = {"path": path, "status": status, "queries": len(queries), "on_notifications": explained,
                     "all_sql": [sql for sql, _ in queries]}
    with open(out_path, "w") as f:
        json.dump(out, f, indent=1)


if __name__ == "__main__":
    if sys.argv[1] == "seed":
        main_seed(sys.argv[2], sys.argv[3].split(",") if len(sys.argv) > 3 else [])
    elif sys.argv[1] == "explain":
        main_explain(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
