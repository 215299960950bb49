"""Reading uploaded graphs: both Cytoscape.js shapes, and a clear reason for every refusal."""

import json

import pytest
from django.test import override_settings

from tests.support.graphs import graph_of
from web.graphs.cytoscape import GraphInvalid, count_text, parse_data, parse_text

NODES = [{"data": {"id": "a"}}, {"data": {"id": "b"}}]
EDGE = {"data": {"id": "ab", "source": "a", "target": "b"}}


def test_the_grouped_form_is_read_and_counted():
    parsed = parse_data({"elements": {"nodes": NODES, "edges": [EDGE]}})
    assert (parsed.node_count, parsed.edge_count) == (2, 1)


def test_the_flat_list_form_is_read_with_or_without_the_wrapper():
    flat = [{"group": "nodes", **NODES[0]}, NODES[1], EDGE]
    for data in (flat, {"elements": flat}):
        parsed = parse_data(data)
        assert (parsed.node_count, parsed.edge_count) == (2, 1)
        assert parsed.graph_json["elements"]["edges"] == [EDGE]


def test_an_edge_without_an_id_is_fine():
    parsed = parse_data({"elements": {"nodes": NODES, "edges": [{"data": {"source": "a", "target": "b"}}]}})
    assert parsed.edge_count == 1


@pytest.mark.parametrize(("data", "reason"), [
    ({"nodes": []}, 'expected an object with "elements" (or a list of elements)'),
    ({"elements": "x"}, '"elements" must be an object with "nodes" and "edges", or a list'),
    ({"elements": {"nodes": {}}}, '"elements.nodes" and "elements.edges" must be lists'),
    ({"elements": {"nodes": [{"id": "a"}]}}, 'elements.nodes[0] must be an object with a "data" object'),
    ({"elements": {"nodes": [{"data": {}}]}}, "node 1 has no id"),
    ({"elements": {"nodes": [{"data": {"id": ""}}]}}, "node 1 has no id"),
    ({"elements": {"nodes": NODES + [{"data": {"id": "a"}}]}}, "id 'a' is used twice"),
    ({"elements": {"nodes": NODES, "edges": [{"data": {"source": "a"}}]}}, "edge 1 has no target"),
    ({"elements": {"nodes": NODES, "edges": [{"data": {"source": "a", "target": "z"}}]}},
     "edge 1 has target 'z', which is not a node"),
    ({"elements": {"nodes": NODES, "edges": [{"data": {"id": "a", "source": "a", "target": "b"}}]}},
     "id 'a' is used twice"),
    ([{"group": "cells", "data": {"id": "a"}}], 'elements[0]: "group" must be "nodes" or "edges"'),
])
def test_a_graph_that_cannot_be_kept_is_refused_with_the_reason(data, reason):
    with pytest.raises(GraphInvalid) as refused:
        parse_data(data)
    assert str(refused.value) == reason


def test_text_that_is_not_json_says_so():
    with pytest.raises(GraphInvalid, match="not valid JSON"):
        parse_text('{"elements": ')


@override_settings(GRAPH_MAX_BYTES=100)
def test_a_graph_over_the_size_limit_is_refused_with_both_sizes():
    text = json.dumps({"elements": {"nodes": [{"data": {"id": f"n{i}"}} for i in range(20)]}})
    with pytest.raises(GraphInvalid, match=f"the graph is {len(text):,} bytes; the limit is 100"):
        parse_text(text)


@pytest.mark.parametrize("data", [
    graph_of(3, 4),
    graph_of(3, 4)["elements"]["nodes"] + graph_of(3, 4)["elements"]["edges"],
    {"elements": [{"group": "nodes", "data": {"id": "a", "source": "x", "target": "y"}}, {"data": {"id": "b"}},
                  {"group": "edges", "data": {"source": "a", "target": "b"}},
                  {"data": {"source": "b", "target": "a", "weight": {"nodes": 1}}}]},
], ids=["grouped", "flat list", "flat with groups"])
def test_counting_the_text_agrees_with_the_full_parse(data):
    text = json.dumps(data)
    parsed = parse_text(text)
    assert count_text(text) == (parsed.node_count, parsed.edge_count)


@pytest.mark.parametrize("text", ["{not json", '{"nodes": []}', '{"elements": "x"}', "[" * 100_000, "[1, 2]"])
def test_counting_text_that_is_not_a_graph_leaves_the_reason_to_the_full_parse(text):
    assert count_text(text) is None
    with pytest.raises(GraphInvalid):
        parse_text(text)


@override_settings(GRAPH_MAX_NODES=10, GRAPH_MAX_EDGES=10)
@pytest.mark.parametrize(("nodes", "edges", "reason"), [
    (11, 0, "This graph has 11 nodes; Beacon draws at most 10."),
    (10, 11, "This graph has 11 edges; Beacon draws at most 10."),
])
def test_a_graph_over_a_count_limit_is_refused_with_its_count_and_the_limit(nodes, edges, reason):
    data = graph_of(nodes, edges)
    for parse, given in ((parse_data, data), (parse_text, json.dumps(data))):
        with pytest.raises(GraphInvalid) as refused:
            parse(given)
        assert str(refused.value) == reason


@override_settings(GRAPH_MAX_NODES=10, GRAPH_MAX_EDGES=0)
def test_a_graph_at_the_limits_is_kept_and_one_edge_over_is_named_so():
    assert parse_text(json.dumps(graph_of(10, 0))).node_count == 10
    with pytest.raises(GraphInvalid, match=r"^This graph has 1 edge; Beacon draws at most 0\.$"):
        parse_data(graph_of(10, 1))
