"""Demo data: alice, bob and carol; a group with alice and bob; a graph or two.

Safe to load again: what exists is left as it is, so a second run creates
nothing and sends no notification twice.
"""

from django.contrib.auth import get_user_model
from django.db import transaction

from web.graphs.actions import create_graph
from web.graphs.models import Graph
from web.groups.actions import add_member, create_group
from web.groups.models import Group

DEMO_USERS = ("alice", "bob", "carol")  # each one's password is their name
DEMO_GROUP = "Systems Biology Lab"

SAMPLE_GRAPH = {
    "elements": {
        "nodes": [{"data": {"id": "p53"}}, {"data": {"id": "MDM2"}}, {"data": {"id": "ATM"}}],
        "edges": [
            {"data": {"id": "e1", "source": "MDM2", "target": "p53"}},
            {"data": {"id": "e2", "source": "ATM", "target": "p53"}},
        ],
    }
}


def load_demo() -> list[str]:
    """Load the demo data; returns the log-ins, one per user."""
    User = get_user_model()
    with transaction.atomic():
        users = {}
        for name in DEMO_USERS:
            user, created = User.objects.get_or_create(username=name, defaults={"email": f"{name}@example.org"})
            if created:
                user.set_password(name)
                user.save(update_fields=["password"])
            users[name] = user
        alice, bob = users["alice"], users["bob"]
        group = Group.objects.filter(name=DEMO_GROUP, owner=alice).first() or create_group(alice, name=DEMO_GROUP)
        add_member(alice, group.pk, bob.username)
        if not Graph.objects.filter(owner=alice, name="p53 signalling").exists():
            create_graph(alice, name="p53 signalling", description="A small example network.",
                         tags=["signalling", "example"], graph_json=SAMPLE_GRAPH, group_id=group.pk)
        if not Graph.objects.filter(owner=users["carol"], name="Carol's scratch graph").exists():
            create_graph(users["carol"], name="Carol's scratch graph", graph_json=SAMPLE_GRAPH)
    return [f"{name} / {name}" for name in DEMO_USERS]

