"""Names over the API: the same refusal, in the same words, as on the pages; any script passes."""

import pytest

from tests.api.helpers import GRAPH, assert_error
from web.graphs.models import Graph, Layout
from web.groups.models import Group

pytestmark = pytest.mark.django_db

REFUSED = [
    ("Kinase\u202emap", "U+202E RIGHT-TO-LEFT OVERRIDE"),
    ("\u2066Kinase map", "U+2066 LEFT-TO-RIGHT ISOLATE"),
    ("Kinase\u200bmap", "U+200B ZERO WIDTH SPACE"),
]


def refusal(named: str) -> str:
    return f"Names cannot contain invisible or direction-changing characters ({named})"


@pytest.mark.parametrize(("name", "named"), REFUSED)
def test_a_name_that_hides_or_reorders_text_is_refused_for_a_graph_and_a_group(make_user, api_as, name, named):
    client = api_as(make_user("alice"))

    graph = assert_error(client.post("/api/v1/graphs/", {"name": name, "graph_json": GRAPH}, format="json"),
                         400, "invalid")
    group = assert_error(client.post("/api/v1/groups/", {"name": name}, format="json"), 400, "invalid")

    for body in (graph, group):
        assert body["fields"] == {"name": [refusal(named)]}
        assert body["detail"] == f"name: {refusal(named)}"
    assert not Graph.objects.exists() and not Group.objects.exists()


def test_a_layout_a_rename_and_a_tag_are_checked_too(lab, api_as):
    alice, _, _, group_id, graph_id = lab
    client = api_as(alice)

    layout = client.post(f"/api/v1/graphs/{graph_id}/layouts/", {"name": "Circle\u202e"}, format="json")
    rename = client.patch(f"/api/v1/groups/{group_id}/", {"name": "Lab\u2066"}, format="json")
    tag = client.patch(f"/api/v1/graphs/{graph_id}/", {"tags": ["kinases", "sig\u202enalling"]}, format="json")

    assert assert_error(layout, 400, "invalid")["fields"] == {"name": [refusal("U+202E RIGHT-TO-LEFT OVERRIDE")]}
    assert assert_error(rename, 400, "invalid")["fields"] == {"name": [refusal("U+2066 LEFT-TO-RIGHT ISOLATE")]}
    assert assert_error(tag, 400, "invalid")["fields"] == {"tags.1": [
        "Tags cannot contain invisible or direction-changing characters (U+202E RIGHT-TO-LEFT OVERRIDE)"]}
    assert not Layout.objects.exists()
    assert Group.objects.get().name == "Lab" and Graph.objects.get().tags == []


@pytest.mark.parametrize("name", ["خريطة الكيناز", "מפת קינאז", "激酶图谱", "👩\u200d🔬 lab"])
def test_a_name_in_any_script_is_accepted(make_user, api_as, name):
    client = api_as(make_user("alice"))
    answer = client.post("/api/v1/graphs/", {"name": name, "graph_json": GRAPH}, format="json")
    assert answer.status_code == 201 and answer.json()["name"] == name
    assert client.post("/api/v1/groups/", {"name": name}, format="json").json()["name"] == name
