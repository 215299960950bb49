"""Whatever happens, in any order, a user's count is their unread notifications and their cursor their last event.

Hypothesis plays random histories among alice, carol (members of bob's
group) and bob: notifications arriving (some twice, as Kafka may redeliver),
reads, unreads, "mark all read" with and without a filter, and every delete
the domain has: bob's graph, bob's group, bob himself (the actor the
notifications name), carol (a recipient). Nothing in Beacon deletes a
notification row; one deleted by hand is followed by beat's periodic check,
which must put the count right.

After every step, for everyone still there: UserStream.unread equals the
count of their notifications with read_at unset (never negative), and
last_seq equals the number of their stream events, numbered 1..last_seq.
"""

import uuid

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tasks.repair import check_unread_counts
from tests.support.events import graph_event
from web.graphs.actions import create_graph, delete_graph
from web.graphs.models import Graph
from web.groups.actions import add_member, create_group, delete_group
from web.groups.models import Group
from web.notifications import actions
from web.notifications.delivery import deliver
from web.notifications.models import Notification, StreamEvent, UserStream
from web.notifications.queries import NotificationFilter

User = get_user_model()
READERS = ("alice", "carol")

steps = st.one_of(
    st.tuples(st.just("told of her own action"), st.sampled_from(READERS)),
    st.tuples(st.just("told of bob's action in the group")),
    st.tuples(st.just("told again of an earlier action"), st.integers(0, 100)),
    st.tuples(st.just("reads one"), st.sampled_from(READERS), st.integers(0, 100)),
    st.tuples(st.just("unreads one"), st.sampled_from(READERS), st.integers(0, 100)),
    st.tuples(st.just("reads all"), st.sampled_from(READERS), st.sampled_from(["", "owner", "group"])),
    st.tuples(st.just("bob deletes his graph")),
    st.tuples(st.just("bob deletes the group")),
    st.tuples(st.just("bob's account is deleted")),
    st.tuples(st.just("carol's account is deleted")),
    st.tuples(st.just("a row is deleted by hand, then the periodic check runs"), st.integers(0, 100)),
)


@pytest.mark.django_db
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=st.lists(steps, max_size=25))
def test_the_count_and_the_cursor_follow_the_notifications_whatever_happens(history):
    # Each history in a transaction of its own, rolled back: no history sees another's users.
    with transaction.atomic():
        World().play(history)
        transaction.set_rollback(True)


class World:
    def __init__(self):
        run = uuid.uuid4().hex[:6]
        self.people = {name: User.objects.create_user(f"{name}-{run}") for name in ("alice", "bob", "carol")}
        bob = self.people["bob"]
        self.lab = create_group(bob, name="Lab")
        for name in READERS:
            add_member(bob, self.lab.pk, self.people[name].username)
        self.graph = create_graph(bob, name="Kinase map", group_id=self.lab.pk)
        self.events = []

    def play(self, history):
        for n, step in enumerate(history, 1):
            self.do(*step)
            # The whole history so far in the message: this Hypothesis prints a failing list as "history=,".
            self.assert_counts_follow_the_notifications(after=history[:n])

    def do(self, what, *args):
        alice, bob, carol = (self.people[name] for name in ("alice", "bob", "carol"))
        if what == "told of her own action":
            self.tell(graph_event(self.people[args[0]], "Own graph"))
        elif what == "told of bob's action in the group":
            self.tell(graph_event(bob, "Kinase map", kind="group", verb="updated", group=self.lab, to=[alice, carol]))
        elif what == "told again of an earlier action" and self.events:
            self.tell(self.events[args[0] % len(self.events)])
        elif what in ("reads one", "unreads one"):
            reader, pick = self.people[args[0]], args[1]
            mine = list(Notification.objects.filter(user=reader).order_by("pk").values_list("pk", flat=True))
            if mine:
                mark = actions.mark_read if what == "reads one" else actions.mark_unread
                mark(reader, mine[pick % len(mine)])
        elif what == "reads all":
            reader, kind = self.people[args[0]], args[1]
            actions.mark_all_read(reader, NotificationFilter(kind=kind) if kind else None)
        elif what == "bob deletes his graph" and Graph.objects.filter(pk=self.graph.pk).exists():
            delete_graph(bob, self.graph.pk)
        elif what == "bob deletes the group" and Group.objects.filter(pk=self.lab.pk).exists():
            delete_group(bob, self.lab.pk)
        elif what == "bob's account is deleted":
            User.objects.filter(pk=bob.pk).delete()
        elif what == "carol's account is deleted":
            User.objects.filter(pk=carol.pk).delete()
        elif what.startswith("a row is deleted by hand"):
            rows = list(Notification.objects.filter(user__in=self.people.values()).order_by("pk"))
            if rows:
                rows[args[0] % len(rows)].delete()
            check_unread_counts()

    def tell(self, event):
        self.events.append(event)
        deliver(event)

    def assert_counts_follow_the_notifications(self, *, after):
        for name, person in self.people.items():
            stream = UserStream.objects.filter(user=person).first()
            unread = Notification.objects.filter(user=person, read_at__isnull=True).count()
            seqs = list(StreamEvent.objects.filter(user=person).order_by("seq").values_list("seq", flat=True))
            recorded, last_seq = (stream.unread, stream.last_seq) if stream else (0, 0)
            assert recorded == unread >= 0, f"{name}'s count is {recorded}, {unread} are unread, after {after}"
            assert seqs == list(range(1, last_seq + 1)), f"{name}'s cursor is {last_seq}, events {seqs}, after {after}"
