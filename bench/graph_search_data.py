"""The graph search bench's data, run with the bench database's environment (a Django process of its own).

    python -m bench.graph_search_data seed GRAPHS OUT.json    users, groups, memberships, graphs and shares, in SQL
    python -m bench.graph_search_data session USER_ID         print a logged-in session key for USER_ID
    python -m bench.graph_search_data explain JOB.json OUT.json   EXPLAIN (ANALYZE, BUFFERS) of each case's query

The dataset, for GRAPHS graphs (100,000 by default): GRAPHS / 100 users
(``victor157``: a first name and the id), a tenth as many groups of about 20
members each (``Proteomics Lab 12``), every user in two of them and in one
institute-wide group (“Whole Institute”). Graph j belongs to user
1 + (j·7919 mod users); its name is an organism, a topic and a kind of network
and its number (“yeast signalling network 4242”), 1 to 2 tags. Two thirds are
shared with their owner's first group, every tenth also with the institute; the
rest are private, tagged ``embargoed``. The reader is user 1: about a tenth of the
table is theirs to see, mostly through the institute.
Reused when the database already holds a dataset of this size.
"""

import json
import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings.dev")

import django

django.setup()

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection, transaction

from web.graphs import search

FIRST_NAMES = ["victor", "alice", "bob", "carol", "dana", "emil", "farah", "goran", "hana", "ivan",
               "jia", "kofi", "lena", "mateo", "nadia", "oskar", "priya", "quinn", "rosa", "sven"]
ORGANISMS = ["yeast", "human", "mouse", "zebrafish", "arabidopsis", "ecoli", "drosophila", "celegans",
             "rat", "bsubtilis"]
TOPICS = ["signalling", "metabolic", "kinase", "transcription", "ppi", "immune", "stress", "cell-cycle",
          "apoptosis", "circadian", "autophagy", "dna-repair"]
KINDS = ["network", "map", "pathway", "interactome", "model"]
TAGS = ["phospho", "proteomics", "rnaseq", "curated", "draft", "published", "crispr", "timecourse"]
GROUP_TOPICS = ["Proteomics", "Systems Biology", "Metabolism", "Genomics", "Structural", "Immunology",
                "Neuro", "Plant Biology"]
GROUP_KINDS = ["Lab", "Journal Club", "Consortium", "Core"]
INSTITUTE = "Whole Institute"
READER = 1


def _array(values: list[str]) -> str:
    return "ARRAY[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def seed(graphs: int, out: str) -> None:
    users, groups = max(20, graphs // 100), max(2, graphs // 1000)
    started = time.monotonic()
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM graphs_graph")
        have = cur.fetchone()[0]
        reused = have == graphs
        if not reused:
            with transaction.atomic():
                _seed(cur, graphs, users, groups)
            cur.execute("VACUUM ANALYZE graphs_graph")
            for table in ("graphs_graphshare", "groups_group", "groups_membership", "auth_user"):
                cur.execute(f"VACUUM ANALYZE {table}")
        facts = _facts(cur)
    facts.update(reused=reused, seconds=time.monotonic() - started, users=users, groups=groups + 1)
    with open(out, "w") as f:
        json.dump(facts, f)


def _seed(cur, graphs: int, users: int, groups: int) -> None:
    cur.execute("TRUNCATE graphs_graphshare, graphs_graph, groups_membership, groups_group, auth_user CASCADE")
    cur.execute(f"""
        INSERT INTO auth_user (id, password, is_superuser, username, first_name, last_name, email, is_staff,
                               is_active, date_joined)
        SELECT i, '!', false, ({_array(FIRST_NAMES)})[1 + mod(i, {len(FIRST_NAMES)})] || i, '', '', '', false, true,
               now()
        FROM generate_series(1, %(users)s) i""", {"users": users})
    # Group g (1..groups) is owned by user g - 1 + groups, a member (that user's first group is g); the
    # institute, groups + 1, by user 1.
    cur.execute(f"""
        INSERT INTO groups_group (id, name, owner_id, created)
        SELECT g, ({_array(GROUP_TOPICS)})[1 + mod(g, {len(GROUP_TOPICS)})] || ' '
                  || ({_array(GROUP_KINDS)})[1 + mod(g / {len(GROUP_TOPICS)}, {len(GROUP_KINDS)})] || ' ' || g,
               g - 1 + %(groups)s, now()
        FROM generate_series(1, %(groups)s) g
        UNION ALL SELECT %(groups)s + 1, %(institute)s, 1, now()""", {"groups": groups, "institute": INSTITUTE})
    cur.execute("""
        INSERT INTO groups_membership (group_id, user_id, joined)
        SELECT DISTINCT g, i, now() FROM generate_series(1, %(users)s) i,
               LATERAL (VALUES (1 + mod(i, %(groups)s)), (1 + mod(i * 7 + 3, %(groups)s)), (%(groups)s + 1)) AS m(g)""",
                {"users": users, "groups": groups})
    cur.execute(f"""
        INSERT INTO graphs_graph (id, owner_id, name, description, tags, graph_json, node_count, edge_count,
                                  created, updated)
        SELECT j, o, name, '', tags, '{{}}'::jsonb, 10 + mod(j, 500), 20 + mod(j, 900), t, t
        FROM (SELECT j, 1 + mod((j * 7919), %(users)s) AS o,
                     ({_array(ORGANISMS)})[1 + mod(j, {len(ORGANISMS)})] || ' '
                     || ({_array(TOPICS)})[1 + mod((j / 7), {len(TOPICS)})] || ' '
                     || ({_array(KINDS)})[1 + mod((j / 3), {len(KINDS)})] || ' ' || j AS name,
                     CASE WHEN mod(j, 3) = 0 AND mod(j, 10) <> 0 THEN jsonb_build_array('embargoed')
                          WHEN mod(j, 2) = 0 THEN jsonb_build_array(({_array(TAGS)})[1 + mod(j, {len(TAGS)})])
                          ELSE jsonb_build_array(({_array(TAGS)})[1 + mod(j, {len(TAGS)})],
                                                 ({_array(TAGS)})[1 + mod((j / 11), {len(TAGS)})]) END AS tags,
                     now() - make_interval(mins => %(graphs)s - j) AS t
              FROM generate_series(1, %(graphs)s) j) AS g""", {"users": users, "graphs": graphs})
    cur.execute("""
        INSERT INTO graphs_graphshare (graph_id, group_id, shared_by_id, created)
        SELECT id, 1 + mod(owner_id, %(groups)s), owner_id, created FROM graphs_graph
        WHERE mod(id, 3) <> 0 OR mod(id, 10) = 0
        UNION ALL
        SELECT id, %(groups)s + 1, owner_id, created FROM graphs_graph WHERE mod(id, 10) = 0""", {"groups": groups})
    for table in ("auth_user", "groups_group", "groups_membership", "graphs_graph", "graphs_graphshare"):
        cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")


def _facts(cur) -> dict:
    cur.execute("SELECT count(*) FROM graphs_graph")
    total = cur.fetchone()[0]
    cur.execute("""SELECT count(*) FROM graphs_graph g WHERE g.owner_id = %(u)s OR EXISTS (
                     SELECT 1 FROM graphs_graphshare s JOIN groups_membership m ON m.group_id = s.group_id
                     WHERE s.graph_id = g.id AND m.user_id = %(u)s)""", {"u": READER})
    visible = cur.fetchone()[0]
    cur.execute("""SELECT gr.name FROM groups_group gr JOIN groups_membership m ON m.group_id = gr.id
                   WHERE m.user_id = %s AND gr.name <> %s ORDER BY gr.id LIMIT 1""", [READER, INSTITUTE])
    reader_group = cur.fetchone()[0]
    # Someone else whose graphs the reader sees through their group, and a graph of theirs halfway down.
    cur.execute("""SELECT u.username, min(g.id) + (max(g.id) - min(g.id)) / 2 FROM graphs_graphshare s
                   JOIN graphs_graph g ON g.id = s.graph_id JOIN auth_user u ON u.id = g.owner_id
                   JOIN groups_group gr ON gr.id = s.group_id AND gr.name = %s
                   WHERE g.owner_id <> %s GROUP BY u.username ORDER BY u.username LIMIT 1""",
                [reader_group, READER])
    other_owner, middle = cur.fetchone()
    cur.execute("""SELECT g.id FROM graphs_graph g JOIN graphs_graphshare s ON s.graph_id = g.id
                   JOIN groups_group gr ON gr.id = s.group_id AND gr.name = %s WHERE g.id >= %s
                   ORDER BY g.id LIMIT 1""", [reader_group, middle])
    some_graph = cur.fetchone()[0]
    cur.execute("SELECT pg_size_pretty(pg_total_relation_size('graphs_graph')), "
                "pg_size_pretty(pg_relation_size('graph_search_trgm'))")
    table_size, index_size = cur.fetchone()
    return {"total": total, "reader": READER, "reader_visible": visible, "reader_group": reader_group,
            "other_owner": other_owner, "some_graph": some_graph, "institute": INSTITUTE, "table_size": table_size,
            "trgm_index_size": index_size}


def session(user_id: int) -> None:
    user = get_user_model().objects.get(pk=user_id)
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    print(store.session_key)


def explain(job_path: str, out: str) -> None:
    """Each case's search query as the page runs it (web.graphs.search), under EXPLAIN (ANALYZE, BUFFERS)."""
    job = json.loads(open(job_path).read())
    plans = {}
    with connection.cursor() as cur:
        for name, words in job["cases"].items():
            sql, params = search.query(job["reader"], words, before=None, limit=search.PER_PAGE + 1)
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            text = "\n".join(row[0] for row in cur.fetchall())
            plans[name] = {"text": text, "indexes": sorted(set(_indexes(text))),
                           "seq_scans": sorted(set(_seq_scans(text))), "execution_ms": _execution_ms(text)}
    with open(out, "w") as f:
        json.dump(plans, f)


def _indexes(text: str):
    """The index names a plan reads: "Index Scan using X on T", "Bitmap Index Scan on X"."""
    for line in text.splitlines():
        if " using " in line and "Index" in line:
            yield line.split(" using ", 1)[1].split()[0]
        elif "Bitmap Index Scan on " in line:
            yield line.split("Bitmap Index Scan on ", 1)[1].split()[0]


def _seq_scans(text: str):
    for line in text.splitlines():
        if "Seq Scan on " in line:
            yield line.split("Seq Scan on ", 1)[1].split()[0]


def _execution_ms(text: str) -> float | None:
    for line in text.splitlines():
        if line.startswith("Execution Time:"):
            return float(line.split(":")[1].split()[0])
    return None


def main() -> None:
    command, *args = sys.argv[1:]
    if command == "seed":
        seed(int(args[0]), args[1])
    elif command == "session":
        session(int(args[0]))
    elif command == "explain":
        explain(args[0], args[1])
    else:
        sys.exit(f"unknown command {command!r}")


if __name__ == "__main__":
    main()
