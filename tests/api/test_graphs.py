"""Graphs over the API: upload, see, change, share, watch. Others' graphs are 404; members may look, not change."""

import pytest
from django.test import override_settings

from tests.api.helpers import GRAPH, assert_error, deliver_outbox
from tests.support.graphs import graph_of
from web.graphs.models import Graph
from web.outbox.models import OutboxEvent

pytestmark = pytest.mark.django_db


def test_uploading_a_graph_answers_it_counted(make_user, api_as):
    alice = make_user("alice")
    answer = api_as(alice).post("/api/v1/graphs/", {
        "name": "Kinase map", "description": "MAPK cascade", "tags": ["kinase", "signalling"], "graph_json": GRAPH,
    }, format="json")
    assert answer.status_code == 201
    body = answer.json()
    assert (body["name"], body["description"], body["tags"], body["owner"]) == (
        "Kinase map", "MAPK cascade", ["kinase", "signalling"], alice.username)
    assert (body["node_count"], body["edge_count"], body["shared_with"]) == (3, 1, [])
    assert body["graph_json"] == GRAPH


def test_the_list_leaves_out_graph_json_and_the_detail_has_it(lab, api_as):
    _alice, bob, _carol, group_id, graph_id = lab
    [listed] = api_as(bob).get("/api/v1/graphs/").json()
    assert listed["id"] == graph_id and "graph_json" not in listed
    assert listed["shared_with"] == [{"id": group_id, "name": "Lab"}]
    assert api_as(bob).get(f"/api/v1/graphs/{graph_id}/").json()["graph_json"] == GRAPH


def test_an_outsider_gets_404_for_everything_about_the_graph(lab, api_as):
    _alice, _bob, carol, group_id, graph_id = lab
    client = api_as(carol)
    assert client.get("/api/v1/graphs/").json() == []
    assert_error(client.get(f"/api/v1/graphs/{graph_id}/"), 404, "not_found")
    assert_error(client.patch(f"/api/v1/graphs/{graph_id}/", {"name": "Mine now"}, format="json"), 404)
    assert_error(client.delete(f"/api/v1/graphs/{graph_id}/"), 404)
    assert_error(client.post(f"/api/v1/graphs/{graph_id}/watch/"), 404)
    assert_error(client.get(f"/api/v1/graphs/{graph_id}/layouts/"), 404)
    assert_error(client.post(f"/api/v1/graphs/{graph_id}/share/", {"group": group_id}, format="json"), 404)


def test_a_member_may_look_but_not_change(lab, api_as):
    _alice, bob, _carol, group_id, graph_id = lab
    client = api_as(bob)
    assert_error(client.patch(f"/api/v1/graphs/{graph_id}/", {"name": "Bob's"}, format="json"), 403,
                 "permission_denied")
    assert_error(client.delete(f"/api/v1/graphs/{graph_id}/"), 403)
    assert_error(client.post(f"/api/v1/graphs/{graph_id}/unshare/", {"group": group_id}, format="json"), 403)


def test_the_owner_changes_and_deletes_and_the_group_hears_of_it(lab, api_as):
    alice, bob, _carol, _group_id, graph_id = lab
    # when Alice renames and retags her graph
    answer = api_as(alice).patch(f"/api/v1/graphs/{graph_id}/", {"name": "MAPK map", "tags": ["mapk"]},
                                 format="json")
    deliver_outbox()

    # then the graph changed and Bob was told
    assert (answer.json()["name"], answer.json()["tags"]) == ("MAPK map", ["mapk"])
    texts = [n["text"] for n in api_as(bob).get("/api/v1/notifications/").json()["results"]]
    assert f"{alice.username} updated graph “MAPK map”, shared with “Lab”." in texts

    # and deleting it leaves nothing to find
    assert api_as(alice).delete(f"/api/v1/graphs/{graph_id}/").status_code == 204
    assert_error(api_as(alice).get(f"/api/v1/graphs/{graph_id}/"), 404)


def test_bad_graph_json_is_refused_with_the_reason(make_user, api_as):
    client = api_as(make_user("alice"))
    dangling = {"elements": {"nodes": [{"data": {"id": "a"}}], "edges": [{"data": {"source": "a", "target": "z"}}]}}
    body = assert_error(client.post("/api/v1/graphs/", {"name": "Broken", "graph_json": dangling}, format="json"),
                        400, "invalid")
    assert body["fields"] == {"graph_json": ["edge 1 has target 'z', which is not a node"]}
    assert_error(client.post("/api/v1/graphs/", {"name": "Text", "graph_json": "nodes"}, format="json"), 400)
    assert_error(client.post("/api/v1/graphs/", {"graph_json": GRAPH}, format="json"), 400)
    assert client.get("/api/v1/graphs/").json() == []


def test_an_upload_without_a_graph_is_refused_saying_so(make_user, api_as):
    # when alice's program posts a name and no graph
    client = api_as(make_user("alice"))
    body = assert_error(client.post("/api/v1/graphs/", {"name": "Kinase map"}, format="json"), 400, "invalid")

    # then it is told what is missing, and no empty graph is made
    assert body["fields"] == {"graph_json": [
        'no graph given: send the graph as Cytoscape.js JSON (an empty graph is {"elements": []})']}
    assert_error(client.post("/api/v1/graphs/", {"name": "Kinase map", "graph_json": None}, format="json"), 400)
    assert client.get("/api/v1/graphs/").json() == []
    # while an empty graph asked for as such is made
    empty = client.post("/api/v1/graphs/", {"name": "Empty", "graph_json": {"elements": []}}, format="json")
    assert empty.status_code == 201 and empty.json()["node_count"] == 0


@override_settings(GRAPH_MAX_BYTES=100)
def test_a_graph_past_the_size_limit_is_refused(make_user, api_as):
    big = {"elements": {"nodes": [{"data": {"id": f"node-{n}"}} for n in range(20)], "edges": []}}
    body = assert_error(api_as(make_user("alice")).post("/api/v1/graphs/", {"name": "Big", "graph_json": big},
                                                        format="json"), 400, "invalid")
    assert "the limit is 100" in body["detail"]


@override_settings(GRAPH_MAX_NODES=10, GRAPH_MAX_EDGES=10)
@pytest.mark.parametrize(("nodes", "edges", "reason"), [
    (11, 10, "This graph has 11 nodes; Beacon draws at most 10."),
    (10, 11, "This graph has 11 edges; Beacon draws at most 10."),
], ids=["nodes", "edges"])
def test_a_graph_over_a_count_limit_is_refused_with_its_count_and_the_limit(lab, api_as, nodes, edges, reason):
    # given alice's graph shared with her group
    alice, _bob, _carol, group_id, graph_id = lab
    before = OutboxEvent.objects.count()

    # when she uploads a graph just over a limit, or replaces hers with it
    created = api_as(alice).post("/api/v1/graphs/", {"name": "Big", "graph_json": graph_of(nodes, edges),
                                                     "group": group_id}, format="json")
    replaced = api_as(alice).patch(f"/api/v1/graphs/{graph_id}/", {"graph_json": graph_of(nodes, edges)},
                                   format="json")

    # then both are refused in the API's error shape, saying why
    for response in (created, replaced):
        body = assert_error(response, 400, "invalid")
        assert body["fields"] == {"graph_json": [reason]}
    # and nothing is stored, nobody is told
    assert list(Graph.objects.values_list("pk", "node_count")) == [(graph_id, 3)]
    assert OutboxEvent.objects.count() == before


@override_settings(GRAPH_MAX_NODES=10, GRAPH_MAX_EDGES=10)
def test_a_graph_at_the_limits_is_accepted(make_user, api_as):
    answer = api_as(make_user("alice")).post("/api/v1/graphs/", {"name": "Ring", "graph_json": graph_of(10, 10)},
                                             format="json")

    assert answer.status_code == 201
    assert (answer.json()["node_count"], answer.json()["edge_count"]) == (10, 10)


def test_unknown_fields_in_a_patch_are_refused(lab, api_as):
    alice, _bob, _carol, _group_id, graph_id = lab
    body = assert_error(api_as(alice).patch(f"/api/v1/graphs/{graph_id}/", {"nodes": 3}, format="json"), 400)
    assert body["fields"] == {"nodes": ["unknown field"]}


def test_sharing_and_unsharing(make_user, api_as):
    # given Alice's private graph and her group with Bob
    alice, bob = make_user("alice"), make_user("bob")
    group = api_as(alice).post("/api/v1/groups/", {"name": "Lab"}, format="json").json()
    api_as(alice).post(f"/api/v1/groups/{group['id']}/members/", {"username": bob.username}, format="json")
    graph = api_as(alice).post("/api/v1/graphs/", {"name": "Kinase map", "graph_json": GRAPH}, format="json").json()
    assert_error(api_as(bob).get(f"/api/v1/graphs/{graph['id']}/"), 404)

    # when she shares it, Bob sees it; when she unshares it, he no longer does
    shared = api_as(alice).post(f"/api/v1/graphs/{graph['id']}/share/", {"group": group["id"]}, format="json")
    assert shared.json()["shared_with"] == [{"id": group["id"], "name": "Lab"}]
    assert api_as(bob).get(f"/api/v1/graphs/{graph['id']}/").status_code == 200
    unshared = api_as(alice).post(f"/api/v1/graphs/{graph['id']}/unshare/", {"group": group["id"]}, format="json")
    assert unshared.json()["shared_with"] == []
    assert_error(api_as(bob).get(f"/api/v1/graphs/{graph['id']}/"), 404)

    # and a group she is not in is refused
    assert_error(api_as(alice).post(f"/api/v1/graphs/{graph['id']}/share/", {"group": 10**12}, format="json"), 400)


def test_watching_a_graph(lab, api_as):
    alice, bob, _carol, _group_id, graph_id = lab
    assert api_as(bob).post(f"/api/v1/graphs/{graph_id}/watch/").json() == {"watching": True}
    assert api_as(bob).delete(f"/api/v1/graphs/{graph_id}/watch/").json() == {"watching": False}
    # the owner hears of her own graph already
    assert "own" in assert_error(api_as(alice).post(f"/api/v1/graphs/{graph_id}/watch/"), 400)["detail"]
