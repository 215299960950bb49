"""A request whose database connection is cut under it is tried once more, when that is safe.

The connection is cut for real: the request's own backend is terminated
(``pg_terminate_backend``), as an operator, a failover or a restart would.
"""

import contextlib

import pytest
from django.db import OperationalError, connection
from rest_framework.test import APIClient

from tests.support.tokens import new_key
from web.graphs import actions as graph_actions
from web.graphs.models import Graph
from web.postgres.base import DatabaseWrapper

pytestmark = pytest.mark.django_db(transaction=True)
GRAPH = {"elements": {"nodes": [{"data": {"id": "a"}}]}}


def _client(user, **kwargs) -> APIClient:
    client = APIClient(**kwargs)
    client.credentials(HTTP_AUTHORIZATION=f"Token {new_key(user)}")
    return client


def _cut_own_connection() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")


def _cut_before_the_first_create(monkeypatch) -> list:
    """The connection dies the first time an upload's action touches the database; returns the calls made."""
    real_create, calls = graph_actions.create_graph, []

    def create_after_a_cut(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            _cut_own_connection()
        return real_create(*args, **kwargs)

    monkeypatch.setattr(graph_actions, "create_graph", create_after_a_cut)
    return calls


def _cut_during_the_first_commit(monkeypatch) -> None:
    """The connection dies while the first COMMIT is on its way: nobody can know whether it committed."""
    real_commit, done = DatabaseWrapper.commit, []

    def commit_then_cut(self):
        if not done:
            done.append(1)
            with contextlib.suppress(OperationalError):
                _cut_own_connection()  # the COMMIT below then meets a dead connection
        return real_commit(self)

    monkeypatch.setattr(DatabaseWrapper, "commit", commit_then_cut)


def test_a_connection_cut_before_the_commit_is_retried_and_the_graph_made_once(make_user, monkeypatch):
    # given a connection that dies the first time the action touches the database
    alice = make_user("alice")
    calls = _cut_before_the_first_create(monkeypatch)
    # when Alice uploads a graph
    response = _client(alice).post("/api/v1/graphs/", {"name": "Survivor", "graph_json": GRAPH}, format="json")
    # then she gets her 201 and the graph exists once
    assert response.status_code == 201, response.content
    assert response.json()["name"] == "Survivor"
    assert len(calls) == 2
    assert Graph.objects.filter(owner=alice, name="Survivor").count() == 1


def test_a_page_upload_cut_under_it_is_retried_with_its_file(make_user, monkeypatch):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    alice = make_user("alice")
    browser = Client()
    browser.force_login(alice)
    calls = _cut_before_the_first_create(monkeypatch)
    upload = SimpleUploadedFile("g.json", b'{"elements": {"nodes": [{"data": {"id": "a"}}, {"data": {"id": "b"}}]}}',
                                content_type="application/json")
    response = browser.post("/graphs/new/", {"name": "From the form", "graph_file": upload})
    # the second try read the whole file again: both nodes are there
    assert response.status_code == 302, response.content[:500]
    assert len(calls) == 2
    assert Graph.objects.get(owner=alice, name="From the form").node_count == 2


def test_a_commit_cut_in_doubt_is_not_retried_without_an_idempotency_key(make_user, monkeypatch):
    # given a connection that dies while COMMIT is on its way
    alice = make_user("alice")
    client = _client(alice, raise_request_exception=False)  # (its token's commit is not the one cut)
    _cut_during_the_first_commit(monkeypatch)
    # when Alice uploads a graph with no Idempotency-Key
    response = client.post(
        "/api/v1/graphs/", {"name": "In doubt", "graph_json": GRAPH}, format="json")
    # then Beacon cannot know whether it committed and does not guess: 500, tried once
    assert response.status_code == 500
    connection.close()  # the dead one (a served request closes it on its way out; the test client does not)
    assert Graph.objects.filter(owner=alice, name="In doubt").count() == 0


def test_a_commit_cut_in_doubt_with_an_idempotency_key_is_retried_safely(make_user, monkeypatch):
    alice = make_user("alice")
    client = _client(alice)  # (its token's commit is not the one cut)
    _cut_during_the_first_commit(monkeypatch)
    response = client.post("/api/v1/graphs/", {"name": "Keyed", "graph_json": GRAPH}, format="json",
                                   HTTP_IDEMPOTENCY_KEY="upload-1")
    assert response.status_code == 201, response.content
    assert Graph.objects.filter(owner=alice, name="Keyed").count() == 1
