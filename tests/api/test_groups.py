"""Groups over the API: the owner runs them, members see them, others do not know they exist."""

import pytest

from tests.api.helpers import assert_error, deliver_outbox
from web.groups.models import Membership

pytestmark = pytest.mark.django_db


@pytest.fixture
def lab(make_user, api_as):
    """Alice's group with Bob in it; Carol is outside."""
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    group = api_as(alice).post("/api/v1/groups/", {"name": "Systems Biology Lab"}, format="json").json()
    api_as(alice).post(f"/api/v1/groups/{group['id']}/members/", {"username": bob.username}, format="json")
    return alice, bob, carol, group["id"]


def test_creating_a_group_answers_it_with_its_owner_as_member(make_user, api_as):
    alice = make_user("alice")
    answer = api_as(alice).post("/api/v1/groups/", {"name": "  Systems Biology Lab "}, format="json")
    assert answer.status_code == 201
    body = answer.json()
    assert (body["name"], body["owner"], body["members"]) == ("Systems Biology Lab", alice.username, [alice.username])
    assert api_as(alice).get("/api/v1/groups/").json() == [body]


def test_members_see_the_group_and_outsiders_get_404(lab, api_as):
    alice, bob, carol, group_id = lab
    assert sorted(api_as(bob).get(f"/api/v1/groups/{group_id}/").json()["members"]) == sorted(
        [alice.username, bob.username])
    assert_error(api_as(carol).get(f"/api/v1/groups/{group_id}/"), 404, "not_found")
    assert api_as(carol).get("/api/v1/groups/").json() == []


def test_only_the_owner_renames_adds_and_deletes(lab, api_as):
    alice, bob, carol, group_id = lab
    # a member may see but not change: 403
    assert_error(api_as(bob).patch(f"/api/v1/groups/{group_id}/", {"name": "Bob's"}, format="json"), 403,
                 "permission_denied")
    assert_error(api_as(bob).post(f"/api/v1/groups/{group_id}/members/", {"username": carol.username},
                                  format="json"), 403)
    assert_error(api_as(bob).delete(f"/api/v1/groups/{group_id}/"), 403)
    # an outsider is told nothing: 404
    assert_error(api_as(carol).patch(f"/api/v1/groups/{group_id}/", {"name": "Carol's"}, format="json"), 404)
    # the owner may
    assert api_as(alice).patch(f"/api/v1/groups/{group_id}/", {"name": "SysBio"}, format="json").json()["name"] \
        == "SysBio"
    assert api_as(alice).delete(f"/api/v1/groups/{group_id}/").status_code == 204
    assert_error(api_as(alice).get(f"/api/v1/groups/{group_id}/"), 404)


def test_bad_input_is_refused_with_the_reason(lab, api_as):
    alice, _bob, _carol, group_id = lab
    client = api_as(alice)
    assert_error(client.post("/api/v1/groups/", {"name": "   "}, format="json"), 400, "invalid")
    body = assert_error(client.patch(f"/api/v1/groups/{group_id}/", {"title": "x"}, format="json"), 400)
    assert body["fields"] == {"title": ["unknown field"]}
    body = assert_error(client.post(f"/api/v1/groups/{group_id}/members/", {"username": "nobody-at-all"},
                                    format="json"), 400)
    assert "nobody-at-all" in body["detail"]


def test_adding_a_member_tells_them(make_user, api_as):
    # given Alice's group
    alice, bob = make_user("alice"), make_user("bob")
    group = api_as(alice).post("/api/v1/groups/", {"name": "Lab"}, format="json").json()

    # when she adds Bob
    answer = api_as(alice).post(f"/api/v1/groups/{group['id']}/members/", {"username": bob.username}, format="json")
    deliver_outbox()

    # then Bob is a member and his notifications say so
    assert answer.status_code == 201 and bob.username in answer.json()["members"]
    [told] = api_as(bob).get("/api/v1/notifications/").json()["results"]
    assert told["text"] == f"{alice.username} added you to group “Lab”."


def test_the_owner_removes_a_member_and_a_member_leaves(lab, make_user, api_as):
    alice, bob, carol, group_id = lab
    api_as(alice).post(f"/api/v1/groups/{group_id}/members/", {"username": carol.username}, format="json")

    # the owner removes Carol
    assert api_as(alice).delete(f"/api/v1/groups/{group_id}/members/{carol.username}/").status_code == 204
    # Bob, a member, may not remove anyone, but may leave by naming himself
    assert_error(api_as(bob).delete(f"/api/v1/groups/{group_id}/members/{alice.username}/"), 403)
    assert api_as(bob).delete(f"/api/v1/groups/{group_id}/members/{bob.username}/").status_code == 204
    assert list(Membership.objects.filter(group_id=group_id).values_list("user__username", flat=True)) \
        == [alice.username]
    # the owner cannot leave her own group
    body = assert_error(api_as(alice).delete(f"/api/v1/groups/{group_id}/members/{alice.username}/"), 400)
    assert "owner" in body["detail"]
