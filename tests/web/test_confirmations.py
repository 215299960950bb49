"""Nothing is deleted, left or replaced by one click: the button leads to a page that asks, and only its POST acts."""

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from tests.web.conftest import page_text
from web.api.models import ApiToken
from web.api.tokens import create_token
from web.graphs.actions import create_graph, create_layout
from web.graphs.models import Graph, Layout
from web.groups.actions import add_member, create_group
from web.groups.models import Group, Membership

pytestmark = pytest.mark.django_db


@dataclass
class World:
    alice: object
    bob: object
    lab: Group
    graph: Graph
    layout: Layout
    token: ApiToken


@pytest.fixture
def world(make_user):
    """alice owns "Lab" (bob is in it), the graph "Kinase map" shared with it, its layout "Ring", and an API token."""
    alice, bob = make_user("alice"), make_user("bob")
    lab = create_group(alice, name="Lab")
    add_member(alice, lab.pk, bob.username)
    graph = create_graph(alice, name="Kinase map", group_id=lab.pk)
    layout = create_layout(alice, graph.pk, name="Ring", shared=True)
    return World(alice, bob, lab, graph, layout, create_token(alice, "laptop script")[0])


@dataclass
class Case:
    who: str  # "alice" or "bob"
    page: Callable  # where the button is
    url: Callable  # the change's own URL (the link's href, the confirmation form's action)
    question: str
    done: str  # what the page says afterwards
    still_there: Callable  # world -> bool
    query: Callable = lambda w: ""
    post: Callable = lambda w: {}
    warns: str = ""  # what the question adds


CASES = {
    "delete graph": Case(
        "alice", lambda w: f"/graphs/{w.graph.pk}/", lambda w: f"/graphs/{w.graph.pk}/delete/",
        "Delete graph “Kinase map”?", "Deleted graph Kinase map.",
        lambda w: Graph.objects.filter(pk=w.graph.pk).exists(),
        warns="Its layout goes with it. This cannot be undone."),
    "delete layout": Case(
        "alice", lambda w: f"/graphs/{w.graph.pk}/layouts/{w.layout.pk}/",
        lambda w: f"/graphs/{w.graph.pk}/layouts/{w.layout.pk}/delete/",
        "Delete layout “Ring” of graph “Kinase map”?", "Deleted layout Ring.",
        lambda w: Layout.objects.filter(pk=w.layout.pk).exists()),
    "delete group": Case(
        "alice", lambda w: f"/groups/{w.lab.pk}/", lambda w: f"/groups/{w.lab.pk}/delete/",
        "Delete group “Lab”?", "Deleted group Lab.",
        lambda w: Group.objects.filter(pk=w.lab.pk).exists(),
        warns="the graphs stay with their owners. This cannot be undone."),
    "remove member": Case(
        "alice", lambda w: f"/groups/{w.lab.pk}/", lambda w: f"/groups/{w.lab.pk}/members/remove/",
        "Remove {bob} from “Lab”?", "Removed {bob}.",
        lambda w: Membership.objects.filter(group=w.lab, user=w.bob).exists(),
        query=lambda w: f"?username={w.bob.username}", post=lambda w: {"remove-username": w.bob.username}),
    "leave group": Case(
        "bob", lambda w: f"/groups/{w.lab.pk}/", lambda w: f"/groups/{w.lab.pk}/leave/",
        "Leave “Lab”?", "You left Lab.",
        lambda w: Membership.objects.filter(group=w.lab, user=w.bob).exists()),
    "revoke token": Case(
        "alice", lambda w: "/accounts/profile/", lambda w: f"/accounts/profile/tokens/{w.token.pk}/revoke/",
        "Revoke token “laptop script”?", "Token “laptop script” revoked.",
        lambda w: ApiToken.objects.filter(pk=w.token.pk).exists(),
        warns="Programs using it are refused at once, live updates too. This cannot be undone."),
}


def names(text: str, world: World) -> str:
    return text.format(bob=world.bob.username)


@pytest.mark.parametrize("name", CASES)
def test_the_button_leads_to_a_question_and_only_its_form_acts(world, browser_for, name):
    case = CASES[name]
    browser = browser_for(getattr(world, case.who))
    url = case.url(world)

    # given the page with the button: a link to the question, not a form that acts at once
    html = page_text(browser.get(case.page(world)))
    href = (url + case.query(world)).replace("?", r"\?")
    assert re.search(rf'<a class="button[^"]*" href="{href}"', html), name
    assert f'action="{url}"' not in html

    # when the link is followed
    response = browser.get(url + case.query(world))

    # then the page asks, with a POST form (CSRF) to the same URL and a way back, and nothing has changed
    html = page_text(response)
    assert response.status_code == 200
    assert f"<h1>{names(case.question, world)}</h1>" in html and case.warns in html
    form = html[html.index('<form method="post"', html.index('id="confirm"')):]
    assert f'action="{url}"' in form[:200] and "csrfmiddlewaretoken" in form
    assert re.search(rf'<a href="{re.escape(case.page(world))}(#[\w-]+)?" class="button">Cancel</a>', html)
    assert case.still_there(world)

    # when the question is answered
    response = browser.post(url, case.post(world))

    # then it is done, and the page after the redirect says so
    assert response.status_code == 302
    assert not case.still_there(world)
    assert names(case.done, world) in page_text(browser.get(response["Location"]))


@pytest.mark.parametrize("name", ["delete graph", "delete layout", "delete group", "remove member"])
def test_only_the_owner_is_asked(world, browser_for, name):
    # bob sees these things but may not change them: the question answers 403, as its POST would
    case = CASES[name]
    assert browser_for(world.bob).get(case.url(world) + case.query(world)).status_code == 403
    assert case.still_there(world)


def test_removing_someone_not_in_the_group_asks_nothing(world, make_user, browser_for):
    browser = browser_for(world.alice)
    outsider = make_user("carol")
    for query in (f"?username={outsider.username}", f"?username={world.alice.username}", ""):
        assert browser.get(f"/groups/{world.lab.pk}/members/remove/{query}").status_code == 404, query


def test_the_owner_asking_to_leave_is_told_why_not(world, browser_for):
    response = browser_for(world.alice).get(f"/groups/{world.lab.pk}/leave/")

    assert response.status_code == 400
    assert "the owner cannot leave the group; delete it instead" in page_text(response)
    assert Membership.objects.filter(group=world.lab, user=world.alice).exists()


def test_someone_elses_token_is_not_found_to_ask_about_or_revoke(world, make_user, browser_for):
    # given carol, who has no token of her own: her page offers to create one and lists nothing to revoke
    browser = browser_for(make_user("carol"))
    html = page_text(browser.get("/accounts/profile/"))
    assert '<form method="post" action="/accounts/profile/tokens/"' in html and "Revoke" not in html
    assert "You have no API tokens." in html

    # when she asks to revoke alice's token, or posts it
    revoke = f"/accounts/profile/tokens/{world.token.pk}/revoke/"
    asked, posted = browser.get(revoke), browser.post(revoke)

    # then both are the 404 of a token that does not exist, and alice's token stands
    assert (asked.status_code, posted.status_code) == (404, 404)
    assert ApiToken.objects.filter(pk=world.token.pk).exists()
