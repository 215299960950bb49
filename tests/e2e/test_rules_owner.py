"""Who gets what, owner row: you created, uploaded, updated or deleted a graph, layout or group.

Each action runs through the real pipeline (outbox, Celery relay, Kafka, the
consumer, the Celery worker's delivery) before anything is asserted; the
actor's notification is the only one of its kind, and holds only the owner reason.
"""

import pytest

from tests.support.pipeline import OWNER, Told, group_of, through_pipeline
from web.graphs.actions import create_graph, create_layout, delete_graph, delete_layout, update_graph, update_layout
from web.groups.actions import create_group, delete_group, rename_group

pytestmark = [pytest.mark.stack, pytest.mark.usefixtures("live_db")]


def test_owner_you_created_a_group(make_user):
    # given alice
    alice = make_user("alice")

    # when she creates a group
    outcome = through_pipeline(create_group, alice, name="Lab")

    # then she alone is told she created it
    assert outcome.told == {alice: Told("owner", "created", "You created group “Lab”.", [OWNER])}


def test_owner_you_uploaded_a_graph(make_user):
    # given alice
    alice = make_user("alice")

    # when she uploads a graph of her own, the text of a file
    outcome = through_pipeline(create_graph, alice, name="Kinase map",
                               graph_json='{"elements": [{"data": {"id": "a"}}]}')

    # then she alone is told she uploaded it
    assert outcome.told == {alice: Told("owner", "uploaded", "You uploaded graph “Kinase map”.", [OWNER])}


def test_owner_you_updated_a_graph_and_only_as_its_owner(make_user):
    # given alice's graph, shared with her group, where bob is too
    alice, bob = make_user("alice"), make_user("bob")
    lab = group_of(alice, bob)
    graph = create_graph(alice, name="Kinase map", group_id=lab.pk)

    # when she updates it
    outcome = through_pipeline(update_graph, alice, graph.pk, description="now with phosphatases")

    # then she is told she updated it, by an owner notification alone, not also as a member of the group
    assert outcome.told[alice] == Told("owner", "updated", "You updated graph “Kinase map”.", [OWNER])


def test_owner_you_deleted_a_graph(make_user):
    # given alice's graph
    alice = make_user("alice")
    graph = create_graph(alice, name="Kinase map")

    # when she deletes it
    outcome = through_pipeline(delete_graph, alice, graph.pk)

    # then she alone is told she deleted it
    assert outcome.told == {alice: Told("owner", "deleted", "You deleted graph “Kinase map”.", [OWNER])}


def test_owner_you_created_a_layout(make_user):
    # given alice's graph
    alice = make_user("alice")
    graph = create_graph(alice, name="Kinase map")

    # when she saves a layout of it
    outcome = through_pipeline(create_layout, alice, graph.pk, name="Circle")

    # then she alone is told she created it
    assert outcome.told == {
        alice: Told("owner", "created", "You created layout “Circle” of graph “Kinase map”.", [OWNER])}


def test_owner_you_updated_a_layout(make_user):
    # given alice's layout
    alice = make_user("alice")
    layout = create_layout(alice, create_graph(alice, name="Kinase map").pk, name="Circle")

    # when she renames it
    outcome = through_pipeline(update_layout, alice, layout.pk, name="Grid")

    # then she alone is told she updated it, under its new name
    assert outcome.told == {
        alice: Told("owner", "updated", "You updated layout “Grid” of graph “Kinase map”.", [OWNER])}


def test_owner_you_deleted_a_layout(make_user):
    # given alice's layout
    alice = make_user("alice")
    layout = create_layout(alice, create_graph(alice, name="Kinase map").pk, name="Circle")

    # when she deletes it
    outcome = through_pipeline(delete_layout, alice, layout.pk)

    # then she alone is told she deleted it
    assert outcome.told == {
        alice: Told("owner", "deleted", "You deleted layout “Circle” of graph “Kinase map”.", [OWNER])}


def test_owner_you_updated_a_group_by_renaming_it(make_user):
    # given alice's group, with bob in it
    alice, bob = make_user("alice"), make_user("bob")
    lab = group_of(alice, bob)

    # when she renames it
    outcome = through_pipeline(rename_group, alice, lab.pk, name="Systems Lab")

    # then she is told she renamed it, by an owner notification alone
    assert outcome.told[alice] == Told("owner", "renamed", "You renamed group “Lab” to “Systems Lab”.", [OWNER])


def test_owner_you_deleted_a_group(make_user):
    # given alice's group
    alice = make_user("alice")
    lab = group_of(alice)

    # when she deletes it
    outcome = through_pipeline(delete_group, alice, lab.pk)

    # then she alone is told she deleted it
    assert outcome.told == {alice: Told("owner", "deleted", "You deleted group “Lab”.", [OWNER])}
