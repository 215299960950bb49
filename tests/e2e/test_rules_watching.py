"""Who gets what, watching row: told to every watcher but the actor.

A watched graph was updated, deleted, or got a new, changed or deleted
layout; a watched layout was updated or deleted. Only someone who sees a
graph can watch it, and the graph's owner cannot, so a watcher is always also
a member of a group it is shared with: they get one notification, of the
watching kind, with both reasons (the dedupe rule, asserted here as it comes).
Every action runs through the real pipeline before anything is asserted.
"""

import pytest

from tests.support.pipeline import OWNER, Told, group_of, member_of, through_pipeline, watching
from web.graphs.actions import (
    create_graph,
    create_layout,
    delete_graph,
    delete_layout,
    update_graph,
    update_layout,
    watch_graph,
    watch_layout,
)
from web.groups.actions import add_member

pytestmark = [pytest.mark.stack, pytest.mark.usefixtures("live_db")]


@pytest.fixture
def lab_graph(make_user):
    """bob's graph "Kinase map", shared with alice's Lab (alice, bob, carol); carol watches it; dave is outside."""
    alice, bob, carol, dave = (make_user(name) for name in ("alice", "bob", "carol", "dave"))
    lab = group_of(alice, bob, carol, name="Lab")
    graph = create_graph(bob, name="Kinase map", group_id=lab.pk, graph_json={"elements": [{"data": {"id": "a"}}]})
    watch_graph(carol, graph.pk)
    return alice, bob, carol, dave, lab, graph


def test_watching_a_watched_graph_was_updated(lab_graph):
    # given carol watching bob's graph
    alice, bob, carol, dave, lab, graph = lab_graph

    # when bob updates it
    outcome = through_pipeline(update_graph, bob, graph.pk, tags=["kinases"])

    # then carol hears it as its watcher, alice as a member of Lab, bob as its owner; dave nothing
    assert outcome.told == {
        carol: Told("watching", "updated", f"{bob.username} updated graph “Kinase map”.",
                    [member_of(lab), watching(graph)]),
        alice: Told("group", "updated", f"{bob.username} updated graph “Kinase map”, shared with “Lab”.",
                    [member_of(lab)]),
        bob: Told("owner", "updated", "You updated graph “Kinase map”.", [OWNER]),
    }


def test_watching_a_watched_graph_was_deleted(lab_graph):
    # given carol watching bob's graph
    alice, bob, carol, dave, lab, graph = lab_graph
    watched = watching(graph)

    # when bob deletes it
    outcome = through_pipeline(delete_graph, bob, graph.pk)

    # then carol hears it is gone, as its watcher
    assert outcome.told[carol] == Told("watching", "deleted", f"{bob.username} deleted graph “Kinase map”.",
                                       [member_of(lab), watched])
    assert set(outcome.told) == {alice, bob, carol}


def test_watching_a_watched_graph_got_a_new_layout(lab_graph):
    # given carol watching bob's graph
    alice, bob, carol, dave, lab, graph = lab_graph

    # when alice saves a shared layout of it
    outcome = through_pipeline(create_layout, alice, graph.pk, name="Circle", shared=True)

    # then carol hears of the new layout as the graph's watcher; bob as a member of Lab
    assert outcome.told == {
        carol: Told("watching", "shared", f"{alice.username} shared layout “Circle” of graph “Kinase map”.",
                    [member_of(lab), watching(graph)]),
        bob: Told("group", "shared", f"{alice.username} shared layout “Circle” of graph “Kinase map” with “Lab”.",
                  [member_of(lab)]),
        alice: Told("owner", "created", "You created layout “Circle” of graph “Kinase map”.", [OWNER]),
    }


def test_watching_a_watched_graph_had_a_layout_changed(lab_graph):
    # given alice's shared layout of the graph carol watches
    alice, bob, carol, dave, lab, graph = lab_graph
    layout = create_layout(alice, graph.pk, name="Circle", shared=True)

    # when alice changes it
    outcome = through_pipeline(update_layout, alice, layout.pk, name="Grid")

    # then carol hears of it as the graph's watcher
    assert outcome.told[carol] == Told(
        "watching", "updated", f"{alice.username} updated layout “Grid” of graph “Kinase map”.",
        [member_of(lab), watching(graph)])
    assert set(outcome.told) == {alice, bob, carol}


def test_watching_a_watched_graph_had_a_layout_deleted(lab_graph):
    # given alice's shared layout of the graph carol watches
    alice, bob, carol, dave, lab, graph = lab_graph
    layout = create_layout(alice, graph.pk, name="Circle", shared=True)

    # when alice deletes it
    outcome = through_pipeline(delete_layout, alice, layout.pk)

    # then carol hears of it as the graph's watcher
    assert outcome.told[carol] == Told(
        "watching", "deleted", f"{alice.username} deleted layout “Circle” of graph “Kinase map”.",
        [member_of(lab), watching(graph)])
    assert set(outcome.told) == {alice, bob, carol}


def test_watching_a_watched_layout_was_updated(lab_graph):
    # given alice's shared layout, which bob watches (not the graph: it is his own)
    alice, bob, carol, dave, lab, graph = lab_graph
    layout = create_layout(alice, graph.pk, name="Circle", shared=True)
    watch_layout(bob, layout.pk)

    # when alice moves its nodes
    outcome = through_pipeline(update_layout, alice, layout.pk, positions={"a": {"x": 0, "y": 0}})

    # then bob hears it as the layout's watcher, carol as the graph's, alice as its owner
    updated = f"{alice.username} updated layout “Circle” of graph “Kinase map”."
    assert outcome.told == {
        bob: Told("watching", "updated", updated, [member_of(lab), watching(layout)]),
        carol: Told("watching", "updated", updated, [member_of(lab), watching(graph)]),
        alice: Told("owner", "updated", "You updated layout “Circle” of graph “Kinase map”.", [OWNER]),
    }


def test_watching_a_watched_layout_was_deleted(lab_graph):
    # given alice's shared layout, which bob watches
    alice, bob, carol, dave, lab, graph = lab_graph
    layout = create_layout(alice, graph.pk, name="Circle", shared=True)
    watch_layout(bob, layout.pk)
    watched = watching(layout)

    # when alice deletes it
    outcome = through_pipeline(delete_layout, alice, layout.pk)

    # then bob hears it is gone, as its watcher
    assert outcome.told[bob] == Told(
        "watching", "deleted", f"{alice.username} deleted layout “Circle” of graph “Kinase map”.",
        [member_of(lab), watched])
    assert set(outcome.told) == {alice, bob, carol}


def test_watching_every_watcher_is_told_but_the_watcher_who_acted(lab_graph, make_user):
    # given carol and erin, both in Lab, both watching bob's graph
    alice, bob, carol, dave, lab, graph = lab_graph
    erin = make_user("erin")
    add_member(alice, lab.pk, erin.username)
    watch_graph(erin, graph.pk)

    # when carol, a watcher, saves a shared layout of it
    outcome = through_pipeline(create_layout, carol, graph.pk, name="Circle", shared=True)

    # then erin hears of it as a watcher; carol only that she created it
    assert outcome.told[erin] == Told(
        "watching", "shared", f"{carol.username} shared layout “Circle” of graph “Kinase map”.",
        [member_of(lab), watching(graph)])
    assert outcome.told[carol] == Told("owner", "created", "You created layout “Circle” of graph “Kinase map”.",
                                       [OWNER])
    assert set(outcome.told) == {alice, bob, carol, erin}
