"""The graph and layout pages hand the drawing its data safely, and say what it shows without JavaScript."""

import json
import re

import pytest

from tests.web.conftest import page_text
from web.graphs.actions import create_graph, create_layout
from web.graphs.drawing import NODE_LIST_MAX
from web.groups.actions import add_member, create_group

pytestmark = pytest.mark.django_db

MARKUP = "</script><script>window.pwned=1</script><b>bold</b>"
GRAPH = {"elements": {
    "nodes": [{"data": {"id": "a", "label": MARKUP}}, {"data": {"id": "b"}}, {"data": {"id": "c"}}],
    "edges": [{"data": {"source": "a", "target": "b"}}, {"data": {"source": "b", "target": "c"}}],
}}


@pytest.fixture
def lab(make_user):
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    group = create_group(alice, name="Lab")
    add_member(alice, group.pk, bob.username)
    graph = create_graph(alice, name="Kinase map", graph_json=GRAPH, group_id=group.pk)
    return graph, alice, bob, carol


def drawing_data(html: str) -> dict:
    match = re.search(r'<script id="graph-drawing-data" type="application/json">(.*?)</script>', html, re.S)
    assert match, "the page has no drawing data"
    return json.loads(match.group(1))


def test_the_graph_page_embeds_the_drawing_as_data_and_lists_the_nodes_as_text(lab, browser_for):
    graph, alice, bob, _ = lab

    html = page_text(browser_for(bob).get(graph.get_absolute_url()))

    # the label with markup is data inside the one JSON script, never markup
    assert MARKUP not in html and "<script>window.pwned" not in html
    assert drawing_data(html)["nodes"][0] == ["a", MARKUP]
    assert drawing_data(html)["edges"] == [["a", "b"], ["b", "c"]] and drawing_data(html)["positions"] is None
    # and the canvas's text alternative says what it shows, with the nodes as escaped text
    assert "Graph of 3 nodes and 2 edges." in html
    assert 'role="img" aria-labelledby="graph-summary"' in html
    assert "<li>&lt;/script&gt;&lt;script&gt;window.pwned=1&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt; " in html
    assert "/static/vendor/cytoscape/cytoscape.min.js" in html and "/static/beacon/graph.js" in html


def test_the_layout_page_draws_its_positions_and_only_its_owner_may_save_them(lab, browser_for):
    graph, alice, bob, _ = lab
    layout = create_layout(alice, graph.pk, name="Ring", shared=True,
                           positions={"a": {"x": 0, "y": -100}, "b": {"x": 87, "y": 50}})

    mine = page_text(browser_for(alice).get(layout.get_absolute_url()))
    theirs = page_text(browser_for(bob).get(layout.get_absolute_url()))

    for html in (mine, theirs):
        assert drawing_data(html)["positions"] == {"a": [0, -100], "b": [87, 50]}
        assert "drawn with this layout’s saved positions" in html
    assert 'id="save-positions"' in mine and "data-editable" in mine and 'id="layout-edit-form"' in mine
    assert 'id="save-positions"' not in theirs and "data-editable" not in theirs


def test_a_big_graph_offers_its_json_instead_of_a_list(make_user, browser_for):
    alice = make_user("alice")
    nodes = [{"data": {"id": f"n{i}"}} for i in range(NODE_LIST_MAX + 1)]
    graph = create_graph(alice, name="Big", graph_json={"elements": {"nodes": nodes, "edges": []}})

    html = page_text(browser_for(alice).get(graph.get_absolute_url()))

    assert 'id="graph-node-list"' not in html and "Too many nodes to list here: see the JSON below." in html
    assert len(drawing_data(html)["nodes"]) == NODE_LIST_MAX + 1


def test_an_empty_graph_has_nothing_to_draw(make_user, browser_for):
    alice = make_user("alice")
    graph = create_graph(alice, name="Empty", graph_json={"elements": []})

    html = page_text(browser_for(alice).get(graph.get_absolute_url()))

    assert "Graph of 0 nodes and 0 edges." in html and 'id="graph-canvas"' not in html


def test_the_graphs_json_is_there_for_those_who_see_it_and_not_found_for_others(lab, browser_for):
    graph, alice, bob, carol = lab
    url = f"/graphs/{graph.pk}/graph.json"

    for user in (alice, bob):
        response = browser_for(user).get(url)
        assert response.status_code == 200 and response["Content-Type"] == "application/json"
        assert response.json()["elements"]["nodes"][0]["data"]["label"] == MARKUP
    assert browser_for(carol).get(url).status_code == 404
