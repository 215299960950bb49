"""What a graph or layout page hands Cytoscape.js to draw (web/static/beacon/graph.js).

The page embeds it with ``json_script``, never raw inside a <script>, and
Cytoscape.js paints labels on a canvas, so a label with markup is only ever
text. Compact on purpose: a 10,000-node graph is ids, labels and pairs, not
every field of every element the upload carried.

    {"nodes": [[id, label], ...], "edges": [[source, target], ...],
     "positions": {id: [x, y], ...} or null}

``positions`` is null when the page should choose a layout itself (a graph
page whose upload carries no position for some node); otherwise the drawing
uses them as they are (Cytoscape.js's preset layout), and places any node
without one apart from the rest.
"""

# Long enough for a gene or protein name with a qualifier; a longer label
# would only cover its neighbours.
LABEL_MAX = 60
# A graph page lists its nodes as text (the canvas's text alternative) up to
# this many; a bigger graph offers its JSON instead.
NODE_LIST_MAX = 200


def for_graph(graph_json: dict) -> dict:
    """The graph drawn on its own page: with its own positions when the upload gives every node one."""
    nodes, edges = _elements(graph_json)
    positions = {}
    for node in nodes:
        point = _point(node.get("position"))
        if point is None:
            positions = None
            break
        positions[str(node["data"]["id"])] = point
    return _drawing(nodes, edges, positions if nodes else None)


def for_layout(graph_json: dict, saved: dict) -> dict:
    """The graph drawn with a layout's saved positions ({"id": {"x", "y"}}, as update_layout keeps them)."""
    nodes, edges = _elements(graph_json)
    positions = {}
    for node in nodes:
        node_id = str(node["data"]["id"])
        point = _point(saved.get(node_id))
        if point is not None:
            positions[node_id] = point
    return _drawing(nodes, edges, positions)


def node_list(graph_json: dict) -> list[dict] | None:
    """The nodes as text, [{"id", "label"}], or None when there are more than NODE_LIST_MAX."""
    nodes, _ = _elements(graph_json)
    if len(nodes) > NODE_LIST_MAX:
        return None
    return [{"id": str(node["data"]["id"]), "label": _label(node["data"])} for node in nodes]


def _elements(graph_json: dict) -> tuple[list, list]:
    # Stored in the grouped form by web.graphs.cytoscape.
    elements = (graph_json or {}).get("elements") or {}
    return elements.get("nodes") or [], elements.get("edges") or []


def _drawing(nodes: list, edges: list, positions: dict | None) -> dict:
    return {
        "nodes": [[str(node["data"]["id"]), _label(node["data"])] for node in nodes],
        "edges": [[str(edge["data"]["source"]), str(edge["data"]["target"])] for edge in edges],
        "positions": positions,
    }


def _label(data: dict) -> str:
    for key in ("label", "name"):
        value = data.get(key)
        if isinstance(value, (str, int, float)) and not isinstance(value, bool) and str(value).strip():
            text = str(value).strip()
            return text if len(text) <= LABEL_MAX else text[:LABEL_MAX - 1] + "…"
    return str(data["id"])


def _point(value) -> list | None:
    if not isinstance(value, dict):
        return None
    x, y = value.get("x"), value.get("y")
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (x, y)):
        return [x, y]
    return None
