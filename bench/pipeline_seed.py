"""Pipeline bench data (``python -m bench.pipeline_seed CONFIG.json OUT.json``), run with the bench
database's environment.

Setup only, not the measured path, so written in bulk: ``groups`` groups of
``group_size`` members each (no one in two of them), every member also in
one big group of all of them; each small group has ``graphs_per_group``
graphs, owned by its first members and shared with it; the big group has
``big_graphs`` graphs shared with it alone. User ids start at ``first_user_id``,
far from anything else on the Redis server, whose channels every database shares.
Writes the layout (who owns which graph in which group) to OUT.json.
"""

import json
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings.dev")

import django

django.setup()

from django.contrib.auth import get_user_model
from django.db import connection, transaction

from web.graphs.models import Graph, GraphShare
from web.groups.models import Group, Membership
from web.notifications.models import UserStream

BATCH = 5000
A_GRAPH = {"elements": {"nodes": [{"data": {"id": "a"}}, {"data": {"id": "b"}}],
                        "edges": [{"data": {"id": "ab", "source": "a", "target": "b"}}]}}


def main():
    cfg = json.loads(open(sys.argv[1]).read())
    out = sys.argv[2]
    first, groups, size = cfg["first_user_id"], cfg["groups"], cfg["group_size"]
    n_users = groups * size
    User = get_user_model()
    ids = list(range(first, first + n_users))
    with transaction.atomic():
        for start in range(0, n_users, BATCH):
            chunk = ids[start:start + BATCH]
            # "!": no usable password (nobody logs in; the actions are called directly).
            User.objects.bulk_create([User(pk=i, username=f"pipe{i}", password="!") for i in chunk])
            UserStream.objects.bulk_create([UserStream(user_id=i, last_seq=0, unread=0) for i in chunk])
        small = Group.objects.bulk_create([Group(name=f"Lab {g}", owner_id=ids[g * size]) for g in range(groups)])
        big = Group.objects.create(name="Everyone", owner_id=ids[0])
        members = [Membership(group=group, user_id=u) for g, group in enumerate(small)
                   for u in ids[g * size:(g + 1) * size]]
        members += [Membership(group=big, user_id=u) for u in ids]
        for start in range(0, len(members), BATCH):
            Membership.objects.bulk_create(members[start:start + BATCH])
        owners = []  # (group index or "big", owner id)
        for g in range(groups):
            owners += [(g, ids[g * size + k]) for k in range(cfg["graphs_per_group"])]
        owners += [("big", ids[(k * size) % n_users + size // 2]) for k in range(cfg["big_graphs"])]
        graphs = Graph.objects.bulk_create([
            Graph(owner_id=owner, name=f"Yeast PPI {i}", description="", tags=[], graph_json=A_GRAPH, node_count=2,
                  edge_count=1) for i, (_, owner) in enumerate(owners)])
        GraphShare.objects.bulk_create([
            GraphShare(graph=graph, group=(big if where == "big" else small[where]), shared_by_id=owner)
            for graph, (where, owner) in zip(graphs, owners, strict=True)])
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    layout = {
        "users": [first, first + n_users],
        "small": [{"group": small[g].pk, "members": ids[g * size:(g + 1) * size],
                   "graphs": [[graph.pk, owner] for graph, (where, owner) in zip(graphs, owners, strict=True)
                              if where == g]}
                  for g in range(groups)],
        "big": {"group": big.pk, "members": n_users,
                "graphs": [[graph.pk, owner] for graph, (where, owner) in zip(graphs, owners, strict=True)
                           if where == "big"]},
    }
    with open(out, "w") as f:
        json.dump(layout, f)
    print(f"{n_users} users, {groups} groups of {size} and one of {n_users}, {len(graphs)} graphs", file=sys.stderr)


if __name__ == "__main__":
    main()
