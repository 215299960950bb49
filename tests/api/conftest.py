"""API clients for named users (imports inside: this file loads before Django is set up)."""

import pytest


@pytest.fixture
def api_as():
    """``api_as(alice)``: an API client sending Alice's token (one named token per user and test)."""
    from rest_framework.test import APIClient

    from tests.support.tokens import new_key

    keys = {}

    def client_for(user):
        client = APIClient()
        if user.pk not in keys:
            keys[user.pk] = new_key(user, "tests")
        client.credentials(HTTP_AUTHORIZATION=f"Token {keys[user.pk]}")
        return client

    return client_for


@pytest.fixture
def lab(make_user, api_as):
    """Alice's group with Bob in it, and Alice's graph shared with it; Carol is outside.

    (alice, bob, carol, group id, graph id)
    """
    from tests.api.helpers import GRAPH

    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    group = api_as(alice).post("/api/v1/groups/", {"name": "Lab"}, format="json").json()
    api_as(alice).post(f"/api/v1/groups/{group['id']}/members/", {"username": bob.username}, format="json")
    graph = api_as(alice).post("/api/v1/graphs/", {"name": "Kinase map", "graph_json": GRAPH, "group": group["id"]},
                               format="json").json()
    return alice, bob, carol, group["id"], graph["id"]
