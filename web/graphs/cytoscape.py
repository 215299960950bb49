"""Reading an uploaded graph in Cytoscape.js JSON, with a clear message for every fault.

Two shapes are accepted, as Cytoscape.js itself does:
  {"elements": {"nodes": [{"data": {"id": ...}}, ...], "edges": [{"data": {"source": ..., "target": ...}}, ...]}}
  {"elements": [{"group": "nodes", "data": {...}}, ...]}  or that list alone
Every node needs an id; every edge a source and a target that are nodes;
ids are unique. The size limit applies to the JSON text (GRAPH_MAX_BYTES).
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
    try:
        data = json_text.loads(text, what="the graph")
    except json_text.JSONTextInvalid as exc:
        raise GraphInvalid(str(exc)) from None
    return _parse(data)


def parse_data(data: object) -> ParsedGraph:
    """Check JSON already decoded (an API body's ``graph_json``)."""
    try:
        json_text.check_storable(data, what="the graph")
    except json_text.JSONTextInvalid as exc:
        raise GraphInvalid(str(exc)) from None
    _check_size(len(json.dumps(data, separators=(",", ":"))))
    return _parse(data)


def _check_size(size: int) -> None:
    limit = settings.GRAPH_MAX_BYTES
    if size > limit:
        raise GraphInvalid(f"the graph is {size:,} bytes; the limit is {limit:,}")


def _parse(data: object) -> ParsedGraph:
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
