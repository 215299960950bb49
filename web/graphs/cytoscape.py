"""Reading an uploaded graph in Cytoscape.js JSON, with a clear message for every fault.

Two shapes are accepted, as Cytoscape.js itself does:
  {"elements": {"nodes": [{"data": {"id": ...}}, ...], "edges": [{"data": {"source": ..., "target": ...}}, ...]}}
  {"elements": [{"group": "nodes", "data": {...}}, ...]}  or that list alone
Every node needs an id; every edge a source and a target that are nodes;
ids are unique. The size limit applies to the JSON text (GRAPH_MAX_BYTES);
GRAPH_MAX_NODES and GRAPH_MAX_EDGES bound what the graph page has to draw.
An uploaded text is counted before it is decoded into elements (count_text),
so a graph over a limit is refused without ever being held whole.
Text and numbers must be ones PostgreSQL stores (web.json_text, the check
API bodies get too), so an upload and an API call are refused alike.
"""

import json
from dataclasses import dataclass

from django.conf import settings

from web import json_text


class GraphInvalid(ValueError):
    """An upload that is not a graph Beacon can keep; the message says why."""


@dataclass(frozen=True)
class ParsedGraph:
    graph_json: dict  # always the grouped form
    node_count: int
    edge_count: int


def parse_text(text: str | bytes) -> ParsedGraph:
    """Parse an uploaded file or request body."""
    size = len(text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text)
    _check_size(size)
    counts = count_text(text)
    if counts is not None:
        _check_counts(*counts)
    try:
        data = json_text.loads(text, what="the graph")
    except json_text.JSONTextInvalid as exc:
        raise GraphInvalid(str(exc)) from None
    return _validate(*_split(data))


def parse_data(data: object) -> ParsedGraph:
    """Check JSON already decoded (an API body's ``graph_json``)."""
    nodes, edges = _split(data)
    # Before the walk and the re-encoding below, which cost as much again as the graph.
    _check_counts(len(nodes), len(edges))
    try:
        json_text.check_storable(data, what="the graph")
    except json_text.JSONTextInvalid as exc:
        raise GraphInvalid(str(exc)) from None
    _check_size(len(json.dumps(data, separators=(",", ":"))))
    return _validate(nodes, edges)


def count_text(text: str | bytes) -> tuple[int, int] | None:
    """(nodes, edges) of a graph's JSON text, or None when it is not a graph (the full parse says why).

    Decodes every element into one of a few shared stand-ins (_StandIns),
    keeping only what tells a node from an edge: the memory it needs is
    the lists of the elements, not the elements.
    """
    try:
        data = json.loads(text, object_pairs_hook=_StandIns(), parse_constant=lambda name: None)
        return tuple(map(len, _split(data)))
    except (ValueError, RecursionError):  # not JSON, or not a graph: GraphInvalid is a ValueError
        return None


class _StandIns:
    """An object_pairs_hook: every JSON object but the graph's containers becomes a shared stand-in.

    A stand-in is a dict with only the keys _split looks at ("group",
    "data", "source", "target"), made once per combination of them.
    """

    _CONTAINERS = frozenset(("elements", "nodes", "edges"))
    _OTHER = "not a group"  # a "group" that is not text: _split refuses it, as it would the real one

    def __init__(self):
        self._made: dict[tuple, dict] = {}

    def __call__(self, pairs: list) -> dict:
        keys = dict(pairs)
        if not self._CONTAINERS.isdisjoint(keys):
            return keys
        group = keys.get("group")
        group = group if group is None or isinstance(group, str) else self._OTHER
        data = keys.get("data")
        # Stand-ins are the only dicts left below the containers, so their id names what they stand for.
        data_key = id(data) if isinstance(data, dict) else None if "data" in keys else "absent"
        key = (group, data_key, "source" in keys, "target" in keys)
        stand_in = self._made.get(key)
        if stand_in is None:
            stand_in = {name: None for name in ("source", "target") if name in keys}
            if group is not None:
                stand_in["group"] = group
            if data_key != "absent":
                stand_in["data"] = data if isinstance(data, dict) else None
            stand_in = self._made[key] = stand_in
        return stand_in


def _check_counts(nodes: int, edges: int) -> None:
    node_limit, edge_limit = settings.GRAPH_MAX_NODES, settings.GRAPH_MAX_EDGES
    if nodes > node_limit:
        raise GraphInvalid(f"This graph has {nodes:,} nodes; Beacon draws at most {node_limit:,}.")
    if edges > edge_limit:
        raise GraphInvalid(f"This graph has {edges:,} edge{'s' if edges != 1 else ''}; "
                           f"Beacon draws at most {edge_limit:,}.")


def _check_size(size: int) -> None:
    limit = settings.GRAPH_MAX_BYTES
    if size > limit:
        raise GraphInvalid(f"the graph is {size:,} bytes; the limit is {limit:,}")


def _split(data: object) -> tuple[list, list]:
    """The nodes and the edges, each checked to be an object with a "data" object."""
    elements = data.get("elements") if isinstance(data, dict) else data
    if isinstance(data, dict) and "elements" not in data:
        raise GraphInvalid('expected an object with "elements" (or a list of elements)')
    if isinstance(elements, dict):
        nodes, edges = elements.get("nodes", []), elements.get("edges", [])
        if not isinstance(nodes, list) or not isinstance(edges, list):
            raise GraphInvalid('"elements.nodes" and "elements.edges" must be lists')
        for where, items in (("nodes", nodes), ("edges", edges)):
            for index, item in enumerate(items):
                _data_of(item, f"elements.{where}[{index}]")
    elif isinstance(elements, list):
        nodes, edges = [], []
        for index, item in enumerate(elements):
            data_ = _data_of(item, f"elements[{index}]")
            group = item.get("group")
            if group not in (None, "nodes", "edges"):
                raise GraphInvalid(f'elements[{index}]: "group" must be "nodes" or "edges"')
            is_edge = group == "edges" or (group is None and "source" in data_ and "target" in data_)
            (edges if is_edge else nodes).append(item)
    else:
        raise GraphInvalid('"elements" must be an object with "nodes" and "edges", or a list')
    return nodes, edges


def _validate(nodes: list, edges: list) -> ParsedGraph:
    ids: set = set()
    node_ids: set = set()
    for index, node in enumerate(nodes):
        node_id = node["data"].get("id")
        if not _is_id(node_id):
            raise GraphInvalid(f"node {index + 1} has no id")
        if node_id in ids:
            raise GraphInvalid(f"id {node_id!r} is used twice")
        ids.add(node_id)
        node_ids.add(node_id)
    for index, edge in enumerate(edges):
        data_ = edge["data"]
        if "id" in data_:
            if not _is_id(data_["id"]):
                raise GraphInvalid(f"edge {index + 1} has an empty or non-text id")
            if data_["id"] in ids:
                raise GraphInvalid(f"id {data_['id']!r} is used twice")
            ids.add(data_["id"])
        for end in ("source", "target"):
            if not _is_id(data_.get(end)):
                raise GraphInvalid(f"edge {index + 1} has no {end}")
            if data_[end] not in node_ids:
                raise GraphInvalid(f"edge {index + 1} has {end} {data_[end]!r}, which is not a node")
    return ParsedGraph({"elements": {"nodes": nodes, "edges": edges}}, len(nodes), len(edges))


def _data_of(item: object, where: str) -> dict:
    if not isinstance(item, dict) or not isinstance(item.get("data"), dict):
        raise GraphInvalid(f'{where} must be an object with a "data" object')
    return item["data"]


def _is_id(value: object) -> bool:
    # Cytoscape.js ids are strings; numbers are accepted as they convert cleanly.
    if isinstance(value, bool):
        return False
    return (isinstance(value, str) and value != "") or isinstance(value, int)


def node_ids(graph_json: dict) -> set[str]:
    """The ids of a stored graph's nodes (the grouped form), as text: a layout's positions are keyed by them."""
    elements = (graph_json or {}).get("elements") or {}
    return {str(node["data"]["id"]) for node in elements.get("nodes") or []}
