"""Layouts made from the drawing: the graph page's "Save as layout", and the one check of positions
(web.graphs.actions) that the dragged and the typed ones both meet, with who may save.

The dragging itself is tested in a browser: tests/e2e/test_graph_drawing.py.
"""

import json

import pytest
from django.test import override_settings
from django.utils.html import escape

from tests.web.conftest import page_text
from web.graphs.actions import create_graph, create_layout, update_graph
from web.graphs.models import Layout
from web.groups.actions import add_member, create_group

pytestmark = pytest.mark.django_db

TRIANGLE = {"elements": {
    "nodes": [{"data": {"id": "a"}}, {"data": {"id": "b"}}, {"data": {"id": "c"}}],
    "edges": [{"data": {"source": "a", "target": "b"}}, {"data": {"source": "b", "target": "c"}}],
}}
PLACES = {"a": {"x": 0, "y": 0}, "b": {"x": 100, "y": 0}, "c": {"x": 50, "y": 80.5}}


@pytest.fixture
def lab(make_user):
    """alice's graph "Kinase map" (TRIANGLE), shared with her group Lab, which bob is in; carol is in no group."""
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    group = create_group(alice, name="Lab")
    add_member(alice, group.pk, bob.username)
    graph = create_graph(alice, name="Kinase map", graph_json=TRIANGLE, group_id=group.pk)
    return graph, alice, bob, carol


def save_drawing(browser, graph, name="Dragged", positions=PLACES):
    """What the graph page's "Save as layout" sends: its name and graph.js's positions, as JSON."""
    text = positions if isinstance(positions, str) else json.dumps(positions)
    return browser.post(f"/graphs/{graph.pk}/layouts/new/", {"drawn-name": name, "drawn-positions": text})


def test_the_graph_page_offers_everyone_who_sees_it_to_save_the_drawing_as_a_layout(lab, browser_for):
    graph, alice, bob, _ = lab

    # when bob, a member of the graph's group, opens alice's graph
    html = page_text(browser_for(bob).get(graph.get_absolute_url()))

    # then there is the form, named, with its hidden positions for graph.js to fill, and the nodes can be moved
    assert 'id="save-as-layout"' in html and '<label for="id_drawn-name">Layout name:</label>' in html
    assert '<input type="hidden" name="drawn-positions" id="id_drawn-positions">' in html
    assert ">Save as layout</button>" in html and 'data-editable="new"' in html
    assert "<legend>Move a node without dragging</legend>" in html and 'aria-label="Move left"' in html
    # and the typed-JSON form is still there, for those who want it or have no JavaScript
    assert 'name="layout-positions"' in html


def test_saving_the_drawing_makes_a_layout_of_the_savers_own_and_leads_to_it(lab, browser_for):
    graph, alice, bob, _ = lab
    browser = browser_for(bob)

    # when bob saves the drawing as "Dragged"
    response = save_drawing(browser, graph)

    # then he lands on his new, private layout's page, which says so, with the positions he dragged
    layout = Layout.objects.get(graph=graph, name="Dragged")
    assert response.status_code == 302 and response["Location"] == layout.get_absolute_url()
    html = page_text(browser.get(response["Location"]))
    assert "Saved layout “Dragged”." in html and "<h1>Dragged</h1>" in html and "private" in html
    assert (layout.owner, layout.positions, layout.shared) == (bob, PLACES, False)


@pytest.mark.parametrize("positions, reason", [
    pytest.param({"a": {"x": 1, "y": 2}, "zz": {"x": 0, "y": 0}}, "no node 'zz' in the graph", id="unknown-node"),
    pytest.param({"w": {"x": 0, "y": 0}, "x": {"x": 0, "y": 0}, "y": {"x": 0, "y": 0}, "z": {"x": 0, "y": 0}},
                 "no node 'w', 'x', 'y' and 1 more in the graph", id="four-unknown-nodes"),
    pytest.param({"a": {"x": "left", "y": 2}}, "the position of 'a' is not", id="not-a-number"),
    pytest.param({"a": {"x": True, "y": 2}}, "the position of 'a' is not", id="a-boolean"),
    pytest.param({"a": [1, 2]}, "the position of 'a' is not", id="a-list"),
    pytest.param([[1, 2]], "positions are an object", id="not-an-object"),
    pytest.param('{"a": {"x": NaN, "y": 1}}', "NaN is not a JSON number", id="nan"),
])
def test_positions_the_drawing_sends_that_do_not_fit_the_graph_are_refused_and_nothing_saved(
        lab, browser_for, positions, reason):
    graph, _, bob, _ = lab
    browser = browser_for(bob)

    # when bob's "Save as layout" sends them
    response = save_drawing(browser, graph, name="Mine", positions=positions)

    # then the graph page comes back with the reason in the drawing's form, his name kept, and nothing saved
    assert response.status_code == 400
    html = page_text(response)
    form = html[html.index('id="save-as-layout"'):]
    form = form[:form.index("</form>")]
    assert escape(reason) in form and 'value="Mine"' in form
    assert not graph.layouts.exists()


def test_typed_positions_meet_the_same_check_when_saved_and_when_changed(lab, browser_for):
    graph, alice, _, _ = lab
    layout = create_layout(alice, graph.pk, name="Circle", positions={"a": {"x": 1, "y": 2}})
    browser = browser_for(alice)
    typed = json.dumps({"a": {"x": 5, "y": 5}, "zz": {"x": 0, "y": 0}})

    # when she types a position of a node the graph has not, for a new layout and for hers
    created = browser.post(f"/graphs/{graph.pk}/layouts/new/", {"layout-name": "Ring", "layout-positions": typed})
    changed = browser.post(f"/graphs/{graph.pk}/layouts/{layout.pk}/edit/",
                           {"layout-name": "Circle", "layout-positions": typed})

    # then both are refused with the reason, and her layout is as it was
    for response in (created, changed):
        assert response.status_code == 400 and escape("no node 'zz' in the graph") in page_text(response)
    assert [(each.name, each.positions) for each in graph.layouts.all()] == [("Circle", {"a": {"x": 1, "y": 2}})]


def test_more_positions_than_a_graph_may_have_nodes_are_refused(lab, browser_for):
    graph, _, bob, _ = lab

    with override_settings(GRAPH_MAX_NODES=2):
        response = save_drawing(browser_for(bob), graph)

    assert response.status_code == 400
    assert "3 positions given; a layout has at most 2" in page_text(response)
    assert not graph.layouts.exists()


def test_a_layout_keeps_the_place_of_a_node_its_graph_has_since_lost(lab, browser_for):
    # given alice's layout of all three nodes, and then the graph without "c"
    graph, alice, _, _ = lab
    layout = create_layout(alice, graph.pk, name="Circle", positions=PLACES)
    update_graph(alice, graph.pk, graph_json={"elements": TRIANGLE["elements"]["nodes"][:2]})

    # when she saves her layout page's positions as they are, "c" among them, with "a" moved
    moved = {**PLACES, "a": {"x": 9, "y": 9}}
    response = browser_for(alice).post(f"/graphs/{graph.pk}/layouts/{layout.pk}/edit/",
                                       {"layout-name": "Circle", "layout-positions": json.dumps(moved)})

    # then it is saved: "c" was the layout's own already
    assert response.status_code == 302
    assert Layout.objects.get(pk=layout.pk).positions == moved


def test_only_who_sees_the_graph_may_save_its_drawing_and_only_the_owner_change_a_layout(lab, browser_for):
    graph, alice, bob, carol = lab
    layout = create_layout(alice, graph.pk, name="Ring", positions=PLACES, shared=True)

    # carol, in no group of the graph's, finds no graph to save a layout of
    assert save_drawing(browser_for(carol), graph).status_code == 404
    # bob sees alice's layout read-only: no saving, no moving, and his forged POST is refused
    html = page_text(browser_for(bob).get(layout.get_absolute_url()))
    assert 'id="save-positions"' not in html and "data-editable" not in html and 'id="graph-move"' not in html
    refused = browser_for(bob).post(f"/graphs/{graph.pk}/layouts/{layout.pk}/edit/",
                                    {"layout-name": "Ring", "layout-positions": json.dumps({"a": {"x": 0, "y": 0}})})
    assert refused.status_code == 403
    assert not Layout.objects.filter(graph=graph).exclude(pk=layout.pk).exists()
    assert Layout.objects.get(pk=layout.pk).positions == PLACES
    # while alice, its owner, may move its nodes and save them
    mine = page_text(browser_for(alice).get(layout.get_absolute_url()))
    assert 'data-editable="update"' in mine and 'id="save-positions"' in mine and 'id="graph-move"' in mine
