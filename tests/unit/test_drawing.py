"""What a graph or layout page hands Cytoscape.js to draw (web/graphs/drawing.py)."""

from web.graphs.drawing import LABEL_MAX, NODE_LIST_MAX, for_graph, for_layout, node_list


def graph(*nodes, edges=()):
    return {"elements": {"nodes": list(nodes), "edges": [{"data": {"source": s, "target": t}} for s, t in edges]}}


def test_nodes_are_ids_and_labels_and_edges_pairs():
    drawn = for_graph(graph({"data": {"id": "p53", "label": "TP53"}}, {"data": {"id": 7, "name": "MDM2"}},
                            {"data": {"id": "ATM"}}, edges=[(7, "p53")]))

    assert drawn == {"nodes": [["p53", "TP53"], ["7", "MDM2"], ["ATM", "ATM"]], "edges": [["7", "p53"]],
                     "positions": None}


def test_a_label_is_kept_as_text_and_cut_when_too_long():
    markup = "<b>bold</b> & </script>"
    drawn = for_graph(graph({"data": {"id": "a", "label": markup}}, {"data": {"id": "b", "label": "x" * 100}},
                            {"data": {"id": "c", "label": {"not": "text"}}}))

    assert [label for _, label in drawn["nodes"]] == [markup, "x" * (LABEL_MAX - 1) + "…", "c"]


def test_a_graph_page_uses_the_uploads_positions_only_when_every_node_has_one():
    placed = graph({"data": {"id": "a"}, "position": {"x": 1, "y": 2.5}},
                   {"data": {"id": "b"}, "position": {"x": 3, "y": 4}})
    half = graph({"data": {"id": "a"}, "position": {"x": 1, "y": 2}}, {"data": {"id": "b"}})

    assert for_graph(placed)["positions"] == {"a": [1, 2.5], "b": [3, 4]}
    assert for_graph(half)["positions"] is None


def test_a_layout_draws_its_saved_positions_of_the_graphs_nodes():
    saved = {"a": {"x": 0, "y": -100}, "gone": {"x": 5, "y": 5}, "b": {"x": "left", "y": 1}}

    drawn = for_layout(graph({"data": {"id": "a"}}, {"data": {"id": "b"}}, {"data": {"id": "c"}}), saved)

    # a node no longer in the graph, or a point that is not two numbers, is not drawn
    assert drawn["positions"] == {"a": [0, -100]}
    assert for_layout(graph({"data": {"id": "a"}}), {})["positions"] == {}


def test_the_node_list_stops_at_its_limit():
    small = graph(*({"data": {"id": f"n{i}"}} for i in range(NODE_LIST_MAX)))
    big = graph(*({"data": {"id": f"n{i}"}} for i in range(NODE_LIST_MAX + 1)))

    assert len(node_list(small)) == NODE_LIST_MAX and node_list(small)[0] == {"id": "n0", "label": "n0"}
    assert node_list(big) is None
    assert node_list({}) == [] and for_graph({}) == {"nodes": [], "edges": [], "positions": None}
