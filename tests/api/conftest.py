"""API clients for named users (imports inside: this file loads before Django is set up)."""

import pytest


@pytest.fixture
def api_as():
    """``api_as(alice)``: an API client sending Alice's token."""
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    def client_for(user):
        client = APIClient()
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
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
