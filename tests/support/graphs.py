"""Graphs of a given size, for the tests of GRAPH_MAX_NODES and GRAPH_MAX_EDGES."""


def graph_of(nodes: int, edges: int) -> dict:
    """Cytoscape.js JSON of ``nodes`` nodes and ``edges`` edges, each edge to the next node round a ring."""
    return {"elements": {
        "nodes": [{"data": {"id": f"n{i}"}} for i in range(nodes)],
        "edges": [{"data": {"source": f"n{i % nodes}", "target": f"n{(i + 1) % nodes}"}} for i in range(edges)],
    }}
