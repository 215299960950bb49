"""Schemathesis against the API in-process: no input makes a 5xx, and every answer matches the schema.

The world it runs in: Alice (the token's owner) owns a group with Bob, a
graph shared with it, a shared layout and notifications; Bob owns a graph
and a layout shared with the group too (so 403s happen, and Alice has
something to watch). Generated ids are steered to
these now and then, and anything a generated DELETE removed is put back
before the next case, so the operations keep meeting real things.

Each operation is one pytest test driving Hypothesis over the operation's
own strategy (valid and invalid requests). Schemathesis's pytest
integration (``schema.parametrize()`` / ``from_fixture``) is not used: with
pytest 9 it fails on ``Function._nodeid``; ``as_strategy`` is its public way
to the same cases, and the same checks run on each answer.
"""

import uuid

import pytest
import schemathesis
from django.contrib.auth import get_user_model
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.helpers import deliver_outbox
from tests.support.tokens import new_key
from web.graphs import actions as graph_actions
from web.graphs.models import Graph, GraphShare, Layout
from web.groups import actions as group_actions
from web.groups.models import Group, Membership
from web.notifications.models import Notification
from web.wsgi import application

MAX_EXAMPLES = 50
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
GRAPH = {"elements": {"nodes": [{"data": {"id": "a"}}, {"data": {"id": "b"}}],
                      "edges": [{"data": {"source": "a", "target": "b"}}]}}


class World:
    """Alice's things, remade with the same ids when a generated DELETE removed them."""

    def __init__(self):
        users = get_user_model().objects
        suffix = uuid.uuid4().hex[:6]
        self.alice = users.create_user(f"alice-{suffix}", password="alice")
        self.bob = users.create_user(f"bob-{suffix}", password="bob")
        self.token = new_key(self.alice)
        group = group_actions.create_group(self.alice, name="Systems Biology Lab")
        group_actions.add_member(self.alice, group.pk, self.bob.username)
        graph = graph_actions.create_graph(self.alice, name="Kinase map", tags=["kinase"], graph_json=GRAPH,
                                           group_id=group.pk)
        layout = graph_actions.create_layout(self.alice, graph.pk, name="Spring", positions={"a": {"x": 1, "y": 2}},
                                             shared=True)
        bobs = graph_actions.create_graph(self.bob, name="Bob's map", graph_json=GRAPH, group_id=group.pk)
        bobs_layout = graph_actions.create_layout(self.bob, bobs.pk, name="Bob's circle", shared=True)
        deliver_outbox()
        self.group_id, self.graph_id, self.layout_id, self.bobs_graph_id = group.pk, graph.pk, layout.pk, bobs.pk
        self.bobs_layout_id = bobs_layout.pk
        self.notification_ids = list(Notification.objects.filter(user=self.alice).values_list("pk", flat=True))

    def ids_for(self, path: str) -> list[int]:
        """The ids of the real things an operation's {id} may name."""
        if path.startswith("/api/v1/groups/"):
            return [self.group_id]
        if path.startswith("/api/v1/graphs/"):
            return [self.graph_id, self.bobs_graph_id]
        if path.startswith("/api/v1/layouts/"):
            return [self.layout_id, self.bobs_layout_id]
        return self.notification_ids

    def restore(self) -> None:
        """Put back what a generated request deleted or changed, with the same ids."""
        group, _ = Group.objects.get_or_create(pk=self.group_id, defaults={"name": "Systems Biology Lab",
                                                                           "owner": self.alice})
        for user in (self.alice, self.bob):
            Membership.objects.get_or_create(group=group, user=user)
        graph, _ = Graph.objects.get_or_create(pk=self.graph_id, defaults={
            "owner": self.alice, "name": "Kinase map", "graph_json": GRAPH, "node_count": 2, "edge_count": 1})
        GraphShare.objects.get_or_create(graph=graph, group=group, defaults={"shared_by": self.alice})
        Layout.objects.get_or_create(pk=self.layout_id, defaults={
            "graph": graph, "owner": self.alice, "name": "Spring", "positions": {}, "shared": True})
        bobs, _ = Graph.objects.get_or_create(pk=self.bobs_graph_id, defaults={
            "owner": self.bob, "name": "Bob's map", "graph_json": GRAPH, "node_count": 2, "edge_count": 1})
        GraphShare.objects.get_or_create(graph=bobs, group=group, defaults={"shared_by": self.bob})
        Layout.objects.get_or_create(pk=self.bobs_layout_id, defaults={
            "graph": bobs, "owner": self.bob, "name": "Bob's circle", "positions": {}, "shared": True})


# Loaded once, at collection: building the schema needs Django's URLs, not the database.
SCHEMA = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", application)
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]


def cases_of(operation):
    """Valid and invalid requests to this operation (schemathesis's positive and negative modes)."""
    strategies = [operation.as_strategy(GenerationMode.POSITIVE)]
    try:
        strategies.append(operation.as_strategy(GenerationMode.NEGATIVE))
    except Exception:
        pass
    return st.one_of(strategies)


@pytest.fixture
def connection_kept_open():
    """Requests through the WSGI app must not close the test's connection (Django's test Client does the same)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.mark.django_db
@pytest.mark.usefixtures("connection_kept_open")
@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda operation: operation.label)
def test_every_operation_answers_within_its_schema(operation):
    # given Alice's token, her group with Bob, graphs, a layout and notifications
    world = World()
    names = [world.alice.username, world.bob.username, "nobody"]

    @given(case=cases_of(operation), steer=st.integers(0, 3), real_id=st.sampled_from(world.ids_for(operation.path)),
           real_name=st.sampled_from(names))
    @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def answers_within_schema(case, steer, real_id, real_name):
        world.restore()
        if steer and case.path_parameters:
            # Mostly the ids and names of real things, so 200s, 204s and 403s happen, not only 404s.
            real = {"id": real_id, "username": real_name}
            case.path_parameters = {name: real.get(name, value) for name, value in case.path_parameters.items()}
        if steer == 1 and operation.path == "/api/v1/auth/token/":
            case.body = {"username": world.alice.username, "password": "alice"}
        if steer == 2 and isinstance(case.body, dict):
            # and in bodies: a real group to share with, a real person to add
            real_body = {"group": world.group_id, "username": real_name}
            case.body = {name: real_body.get(name, value) for name, value in case.body.items()}
        # when it is called with Alice's token
        # then no 5xx, and the status, content type and body are the schema's
        case.call_and_validate(headers={"Authorization": f"Token {world.token}"}, checks=CHECKS)

    answers_within_schema()
