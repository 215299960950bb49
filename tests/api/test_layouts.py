"""Layouts over the API: private to their owner until shared, then seen by the graph's people."""

import pytest

from tests.api.helpers import assert_error

pytestmark = pytest.mark.django_db


def save_layout(client, graph_id, **fields):
    answer = client.post(f"/api/v1/graphs/{graph_id}/layouts/",
                         {"name": "Spring", "positions": {"a": {"x": 1, "y": 2.5}}, **fields}, format="json")
    assert answer.status_code == 201, answer.content
    return answer.json()


def test_a_shared_layout_is_seen_by_the_group_and_a_private_one_only_by_its_owner(lab, api_as):
    alice, bob, carol, _group_id, graph_id = lab
    shared = save_layout(api_as(alice), graph_id, shared=True)
    private = save_layout(api_as(alice), graph_id, name="Draft")

    assert (shared["graph"], shared["owner"], shared["positions"]) == (graph_id, alice.username,
                                                                       {"a": {"x": 1, "y": 2.5}})
    assert [layout["id"] for layout in api_as(alice).get(f"/api/v1/graphs/{graph_id}/layouts/").json()] \
        == [private["id"], shared["id"]]
    listed = api_as(bob).get(f"/api/v1/graphs/{graph_id}/layouts/").json()
    assert [layout["id"] for layout in listed] == [shared["id"]] and "positions" not in listed[0]
    assert api_as(bob).get(f"/api/v1/layouts/{shared['id']}/").json()["positions"] == {"a": {"x": 1, "y": 2.5}}
    assert_error(api_as(bob).get(f"/api/v1/layouts/{private['id']}/"), 404, "not_found")
    assert_error(api_as(carol).get(f"/api/v1/layouts/{shared['id']}/"), 404)


def test_only_the_owner_changes_or_deletes_a_layout(lab, api_as):
    alice, bob, carol, _group_id, graph_id = lab
    layout = save_layout(api_as(alice), graph_id, shared=True)
    url = f"/api/v1/layouts/{layout['id']}/"

    assert_error(api_as(bob).patch(url, {"name": "Bob's"}, format="json"), 403, "permission_denied")
    assert_error(api_as(bob).delete(url), 403)
    assert_error(api_as(carol).patch(url, {"name": "Carol's"}, format="json"), 404)

    changed = api_as(alice).patch(url, {"name": "Circle", "shared": False}, format="json").json()
    assert (changed["name"], changed["shared"]) == ("Circle", False)
    assert_error(api_as(bob).get(url), 404)
    assert api_as(alice).delete(url).status_code == 204
    assert_error(api_as(alice).get(url), 404)


def test_bad_positions_and_unknown_fields_are_refused(lab, api_as):
    alice, _bob, _carol, _group_id, graph_id = lab
    client = api_as(alice)
    body = assert_error(client.post(f"/api/v1/graphs/{graph_id}/layouts/",
                                    {"name": "Odd", "positions": {"a": {"x": "left"}}}, format="json"), 400)
    assert "'a'" in body["detail"]
    layout = save_layout(client, graph_id)
    assert assert_error(client.patch(f"/api/v1/layouts/{layout['id']}/", {"zoom": 2}, format="json"),
                        400)["fields"] == {"zoom": ["unknown field"]}


def test_a_layout_for_a_graph_one_cannot_see_is_404(lab, api_as):
    _alice, _bob, carol, _group_id, graph_id = lab
    answer = api_as(carol).post(f"/api/v1/graphs/{graph_id}/layouts/", {"name": "Mine"}, format="json")
    assert_error(answer, 404)


def test_watching_a_layout(lab, api_as):
    alice, bob, _carol, _group_id, graph_id = lab
    layout = save_layout(api_as(alice), graph_id, shared=True)
    assert api_as(bob).post(f"/api/v1/layouts/{layout['id']}/watch/").json() == {"watching": True}
    assert api_as(bob).delete(f"/api/v1/layouts/{layout['id']}/watch/").json() == {"watching": False}
    assert_error(api_as(alice).post(f"/api/v1/layouts/{layout['id']}/watch/"), 400)
