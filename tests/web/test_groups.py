import re

import pytest

from tests.web.conftest import page_text
from web.graphs.actions import create_graph, share_graph
from web.graphs.models import Graph
from web.groups.actions import add_member, create_group, leave_group

pytestmark = pytest.mark.django_db


@pytest.fixture
def lab(make_user):
    """Alice's group "Lab", with bob in it."""
    alice, bob = make_user("alice"), make_user("bob")
    group = create_group(alice, name="Lab")
    add_member(alice, group.pk, bob.username)
    return group, alice, bob


def members_shown(html: str) -> str:
    return html[html.index('id="member-list"'):html.index("</ul>", html.index('id="member-list"'))]


def test_creating_a_group_lists_it_with_its_owner_and_member_count(make_user, browser_for):
    # given alice on the groups page
    alice = make_user("alice")
    browser = browser_for(alice)
    assert "You are in no group yet." in page_text(browser.get("/groups/"))

    # when she creates a group
    response = browser.post("/groups/new/", {"name": "Proteomics"}, follow=True)

    # then she is on its page, and her list shows it
    assert "<h1>Proteomics</h1>" in page_text(response)
    html = page_text(browser.get("/groups/"))
    assert "Proteomics" in html and f"owner {alice.username} · 1 member" in html


def test_the_member_count_includes_the_owner(lab, make_user, browser_for):
    # given alice's Lab, with bob in it, and carol's group of her own that alice is in too
    group, alice, bob = lab
    carol = make_user("carol")
    solo = create_group(carol, name="Carol's")
    add_member(carol, solo.pk, alice.username)

    # then each of them sees two members in each: the owner and the one added
    for user in (alice, bob):
        assert f"owner {alice.username} · 2 members" in page_text(browser_for(user).get("/groups/"))
    assert f"owner {carol.username} · 2 members" in page_text(browser_for(alice).get("/groups/"))


def test_a_group_needs_a_name(make_user, browser_for):
    response = browser_for(make_user("alice")).post("/groups/new/", {"name": "   "})
    assert response.status_code == 400
    assert "This field is required." in page_text(response)


def test_the_owner_adds_and_removes_a_member_by_username(lab, make_user, browser_for):
    # given alice's group and carol outside it
    group, alice, bob = lab
    carol = make_user("carol")
    browser = browser_for(alice)

    # when alice adds carol by username
    response = browser.post(f"/groups/{group.pk}/members/add/", {"add-username": carol.username}, follow=True)

    # then carol is listed as a member
    assert f"Added {carol.username}." in page_text(response)
    assert carol.username in members_shown(page_text(response))

    # when alice removes her again
    response = browser.post(f"/groups/{group.pk}/members/remove/", {"remove-username": carol.username}, follow=True)

    # then she is gone from the list, and bob is still there
    members = members_shown(page_text(response))
    assert carol.username not in members and bob.username in members


def test_adding_an_unknown_username_shows_why(lab, browser_for):
    group, alice, _ = lab
    response = browser_for(alice).post(f"/groups/{group.pk}/members/add/", {"add-username": "nobody-at-all"})

    assert response.status_code == 400
    assert "there is no user named &#x27;nobody-at-all&#x27;" in page_text(response)


def test_a_member_sees_leave_but_cannot_rename(lab, browser_for):
    # given bob, a member who does not own the group
    group, _, bob = lab
    browser = browser_for(bob)
    html = page_text(browser.get(f"/groups/{group.pk}/"))
    assert "Leave" in html and "Rename group" not in html and "Add member" not in html

    # when he tries to rename it all the same
    response = browser.post(f"/groups/{group.pk}/rename/", {"rename-name": "Bob's lab"})

    # then he is refused and the name stands
    assert response.status_code == 403
    assert "<h1>Lab</h1>" in page_text(browser.get(f"/groups/{group.pk}/"))


def test_the_owner_renames_the_group(lab, browser_for):
    group, alice, _ = lab
    response = browser_for(alice).post(f"/groups/{group.pk}/rename/", {"rename-name": "Systems Lab"}, follow=True)
    assert "<h1>Systems Lab</h1>" in page_text(response)


def test_someone_outside_the_group_finds_nothing_there(lab, make_user, browser_for):
    group, _, _ = lab
    browser = browser_for(make_user("eve"))

    assert browser.get(f"/groups/{group.pk}/").status_code == 404
    assert browser.post(f"/groups/{group.pk}/rename/", {"rename-name": "Mine"}).status_code == 404
    assert browser.post(f"/groups/{group.pk}/members/add/", {"add-username": "eve"}).status_code == 404
    assert browser.post(f"/groups/{group.pk}/delete/").status_code == 404


def test_a_member_leaves(lab, browser_for):
    # given bob in alice's group
    group, _, bob = lab
    browser = browser_for(bob)

    # when he leaves
    response = browser.post(f"/groups/{group.pk}/leave/", follow=True)

    # then his groups page no longer lists it, and its page is closed to him
    html = page_text(response)
    assert "You left Lab." in html and "You are in no group yet." in html
    assert browser.get(f"/groups/{group.pk}/").status_code == 404


def test_the_owner_cannot_leave_and_is_told_why(lab, browser_for):
    group, alice, _ = lab
    response = browser_for(alice).post(f"/groups/{group.pk}/leave/")

    assert response.status_code == 400
    assert "the owner cannot leave the group; delete it instead" in page_text(response)


def test_the_owner_deletes_the_group(lab, browser_for):
    group, alice, bob = lab
    response = browser_for(alice).post(f"/groups/{group.pk}/delete/", follow=True)

    assert "Deleted group Lab." in page_text(response)
    assert browser_for(bob).get(f"/groups/{group.pk}/").status_code == 404


def group_graphs_shown(html: str) -> list[str]:
    listing = html[html.index('id="group-graphs"'):html.index("</ul>", html.index('id="group-graphs"'))]
    return re.findall(r'<li data-graph-id="\d+"><a href="/graphs/\d+/"><bdi>(.*?)</bdi>', listing)


def test_the_group_page_lists_its_graphs_newest_first(lab, make_user, browser_for):
    # given graphs shared with the lab by bob and alice, and one of bob's that is not
    group, alice, bob = lab
    create_graph(bob, name="First map", group_id=group.pk)
    create_graph(bob, name="Private map")
    later = create_graph(alice, name="Second map")
    share_graph(alice, later.pk, group.pk)

    # when bob opens the group's page
    html = page_text(browser_for(bob).get(f"/groups/{group.pk}/"))

    # then he sees the lab's two, newest first, each with its owner
    assert group_graphs_shown(html) == ["Second map", "First map"]
    assert f"by <bdi>{alice.username}</bdi>" in html and f"by <bdi>{bob.username}</bdi>" in html


def test_a_group_without_graphs_says_how_to_add_one(lab, browser_for):
    group, alice, bob = lab
    html = page_text(browser_for(bob).get(f"/groups/{group.pk}/"))
    assert group_graphs_shown(html) == []
    assert "No graphs shared with this group yet." in html


def test_the_group_page_pages_its_graphs_by_cursor(lab, browser_for):
    # given 51 graphs shared with the lab
    group, alice, bob = lab
    for n in range(51):
        create_graph(alice, name=f"map {n}", group_id=group.pk)
    browser = browser_for(bob)

    # when bob opens the page and follows "Older graphs"
    first = page_text(browser.get(f"/groups/{group.pk}/"))
    assert group_graphs_shown(first) == [f"map {n}" for n in range(50, 0, -1)]
    older = Graph.objects.get(name="map 1").pk
    assert f'href="?before={older}" id="older-group-graphs"' in first
    second = page_text(browser.get(f"/groups/{group.pk}/?before={older}"))

    # then the oldest is alone on the second page, the members still shown
    assert group_graphs_shown(second) == ["map 0"]
    assert "older-group-graphs" not in second
    assert bob.username in members_shown(second)


def test_a_bad_graphs_cursor_is_refused_on_the_group_page(lab, browser_for):
    group, alice, bob = lab
    response = browser_for(bob).get(f"/groups/{group.pk}/?before=x")
    assert response.status_code == 400
    assert "before must be a positive whole number" in page_text(response)


def test_the_group_page_names_its_members_and_its_owner(lab, make_user, browser_for):
    group, alice, bob = lab
    html = page_text(browser_for(bob).get(f"/groups/{group.pk}/"))
    members = members_shown(html)
    assert alice.username in members and bob.username in members
    assert re.search(re.escape(alice.username) + r"\s*<span class=\"muted\">owner</span>", members)
    assert "Members <span class=\"muted\">(2)</span>" in html


def test_someone_outside_the_group_sees_neither_its_page_nor_its_graphs(lab, make_user, browser_for):
    # given a graph in the lab, and carol, who is not in it
    group, alice, bob = lab
    create_graph(alice, name="Lab map", group_id=group.pk)
    carol = make_user("carol")

    # then bob, a member, sees it on the group's page
    assert group_graphs_shown(page_text(browser_for(bob).get(f"/groups/{group.pk}/"))) == ["Lab map"]
    # and for her the group's page is not found, its older page neither
    response = browser_for(carol).get(f"/groups/{group.pk}/")
    assert response.status_code == 404
    assert "Lab map" not in page_text(response)
    assert browser_for(carol).get(f"/groups/{group.pk}/?before=10").status_code == 404


def test_a_member_who_left_no_longer_sees_the_groups_graphs(lab, browser_for):
    group, alice, bob = lab
    create_graph(alice, name="Lab map", group_id=group.pk)
    browser = browser_for(bob)
    assert group_graphs_shown(page_text(browser.get(f"/groups/{group.pk}/"))) == ["Lab map"]

    leave_group(bob, group.pk)

    assert browser.get(f"/groups/{group.pk}/").status_code == 404
