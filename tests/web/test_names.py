"""Names on the pages: one that could hide or reorder text is refused with the character named; any script passes."""

import json

import pytest

from tests.web.conftest import page_text
from web.graphs.actions import create_graph
from web.graphs.models import Graph, Layout
from web.groups.models import Group

pytestmark = pytest.mark.django_db

TRIANGLE = {"elements": {"nodes": [{"data": {"id": "a"}}, {"data": {"id": "b"}}], "edges": []}}
REFUSED = [
    ("Kinase\u202emap", "U+202E RIGHT-TO-LEFT OVERRIDE"),
    ("\u2066Kinase map", "U+2066 LEFT-TO-RIGHT ISOLATE"),
    ("Kinase\u200bmap", "U+200B ZERO WIDTH SPACE"),
]
ACCEPTED = ["خريطة الكيناز", "מפת קינאז", "激酶图谱", "👩\u200d🔬 lab"]


def refusal(named: str) -> str:
    return f"Names cannot contain invisible or direction-changing characters ({named})"


def upload(browser, name, **fields):
    return browser.post("/graphs/new/", {"name": name, "description": "", "tags": "", "group": "",
                                         "graph_text": json.dumps(TRIANGLE), **fields})


@pytest.mark.parametrize(("name", "named"), REFUSED)
def test_a_graph_name_that_hides_or_reorders_text_is_refused(make_user, browser_for, name, named):
    # when alice uploads a graph under such a name
    response = upload(browser_for(make_user("alice")), name)

    # then the form comes back saying which character, and there is no graph
    assert response.status_code == 400
    assert refusal(named) in page_text(response)
    assert not Graph.objects.exists()


@pytest.mark.parametrize(("name", "named"), REFUSED)
def test_a_group_name_that_hides_or_reorders_text_is_refused(make_user, browser_for, name, named):
    response = browser_for(make_user("alice")).post("/groups/new/", {"name": name})
    assert response.status_code == 400
    assert refusal(named) in page_text(response)
    assert not Group.objects.exists()


def test_a_layout_name_a_rename_and_a_tag_are_checked_too(make_user, browser_for):
    # given alice's graph
    alice = make_user("alice")
    graph = create_graph(alice, name="Kinase map", graph_json=TRIANGLE)
    browser = browser_for(alice)

    # when she saves a layout, renames the graph and tags it with an override in each
    layout = browser.post(f"/graphs/{graph.pk}/layouts/new/", {"layout-name": "Circle\u202e", "layout-positions": ""})
    rename = browser.post(f"/graphs/{graph.pk}/edit/", {"edit-name": "Kinase\u202emap", "edit-description": "",
                                                        "edit-tags": "", "edit-graph_text": ""})
    tag = browser.post(f"/graphs/{graph.pk}/edit/", {"edit-name": "Kinase map", "edit-description": "",
                                                     "edit-tags": "kinases, sig\u202enalling", "edit-graph_text": ""})

    # then each is refused, saying why, and nothing changed
    assert layout.status_code == 400 and refusal("U+202E RIGHT-TO-LEFT OVERRIDE") in page_text(layout)
    assert rename.status_code == 400 and refusal("U+202E RIGHT-TO-LEFT OVERRIDE") in page_text(rename)
    assert tag.status_code == 400
    assert ("Tags cannot contain invisible or direction-changing characters (U+202E RIGHT-TO-LEFT OVERRIDE)"
            in page_text(tag))
    graph.refresh_from_db()
    assert (graph.name, graph.tags, Layout.objects.count()) == ("Kinase map", [], 0)


@pytest.mark.parametrize("name", ACCEPTED)
def test_a_name_in_any_script_is_accepted(make_user, browser_for, name):
    browser = browser_for(make_user("alice"))
    response = upload(browser, name)
    assert response.status_code == 302
    assert f"<h1>{name}</h1>" in page_text(browser.get(response["Location"]))
    assert browser.post("/groups/new/", {"name": name}).status_code == 302
    assert Group.objects.get().name == name
