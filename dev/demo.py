"""Demo data: alice, bob and carol; two groups; graphs, a shared layout and a watch.

Safe to load again: what exists is left as it is, so a second run creates
nothing and sends no notification twice.
"""

from django.contrib.auth import get_user_model
from django.db import transaction

from web.graphs.actions import create_graph, create_layout, watch_graph
from web.graphs.models import Graph, Layout
from web.groups.actions import add_member, create_group
from web.groups.models import Group

DEMO_USERS = ("alice", "bob", "carol")  # each one's password is their name
DEMO_STAFF = "alice"
DEMO_GROUP = "Systems Biology Lab"  # alice (owner) and bob
DEMO_CLUB = "Network Reading Club"  # carol (owner) and alice

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
            # alice is staff: she may read the development mailbox (dev/mailbox.py)
            user, created = User.objects.get_or_create(username=name, defaults={
                "email": f"{name}@example.org", "is_staff": name == DEMO_STAFF})
            if created:
                user.set_password(name)
                user.save(update_fields=["password"])
            elif name == DEMO_STAFF and not user.is_staff:
                # A database from before alice was made staff: the README says she reads the mailbox.
                user.is_staff = True
                user.save(update_fields=["is_staff"])
            users[name] = user
        alice, bob = users["alice"], users["bob"]
        group = Group.objects.filter(name=DEMO_GROUP, owner=alice).first() or create_group(alice, name=DEMO_GROUP)
        add_member(alice, group.pk, bob.username)
        if not Graph.objects.filter(owner=alice, name="p53 signalling").exists():
            create_graph(alice, name="p53 signalling", description="A small example network.",
                         tags=["signalling", "example"], graph_json=SAMPLE_GRAPH, group_id=group.pk)
        p53 = Graph.objects.get(owner=alice, name="p53 signalling")
        if not Layout.objects.filter(graph=p53, owner=bob, name="Circle").exists():
            create_layout(bob, p53.pk, name="Circle", shared=True, positions={
                "p53": {"x": 0, "y": -100}, "MDM2": {"x": 87, "y": 50}, "ATM": {"x": -87, "y": 50}})
        carol = users["carol"]
        club = Group.objects.filter(name=DEMO_CLUB, owner=carol).first() or create_group(carol, name=DEMO_CLUB)
        add_member(carol, club.pk, alice.username)
        scratch = Graph.objects.filter(owner=carol, name="Carol's scratch graph").first() or create_graph(
            carol, name="Carol's scratch graph", tags=["draft"], graph_json=SAMPLE_GRAPH, group_id=club.pk)
        watch_graph(alice, scratch.pk)
    return [f"{name} / {name}" for name in DEMO_USERS]

