"""Who gets what, dedupe row: one action gives one person at most one notification.

Someone who qualifies twice is named in one event of the action only, and
gets one notification, of the more specific kind (watching over group), with
every reason recorded. Every action runs through the real pipeline first.
"""

import pytest

from tests.support.pipeline import Told, group_of, member_of, through_pipeline, watching
from web.graphs.actions import (
    create_graph,
    create_layout,
    share_graph,
    update_graph,
    update_layout,
    watch_graph,
    watch_layout,
)

pytestmark = [pytest.mark.stack, pytest.mark.usefixtures("live_db")]


def test_dedupe_a_watcher_of_a_graph_shared_with_their_group_gets_one_watching_notification_with_both_reasons(
        make_user):
    # given bob's graph, shared with Lab, where carol is a member and watches it
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    lab = group_of(alice, bob, carol, name="Lab")
    graph = create_graph(bob, name="Kinase map", group_id=lab.pk)
    watch_graph(carol, graph.pk)

    # when bob updates it
    outcome = through_pipeline(update_graph, bob, graph.pk, description="v2")

    # then carol is named by the watching event alone, and gets one notification, as its watcher, for both reasons
    assert outcome.kinds_naming(carol) == ["watching"]
    assert outcome.told[carol] == Told("watching", "updated", f"{bob.username} updated graph “Kinase map”.",
                                       [member_of(lab), watching(graph)])
    # and alice, a member only, gets the group notification
    assert outcome.kinds_naming(alice) == ["group"]
    assert outcome.told[alice].kind == "group"


def test_dedupe_a_watcher_of_a_graph_and_of_its_layout_gets_one_notification_with_every_reason(make_user):
    # given alice's shared layout of bob's graph, in Lab; carol watches the graph and the layout
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    lab = group_of(alice, bob, carol, name="Lab")
    graph = create_graph(bob, name="Kinase map", group_id=lab.pk)
    layout = create_layout(alice, graph.pk, name="Circle", shared=True)
    watch_graph(carol, graph.pk)
    watch_layout(carol, layout.pk)

    # when alice changes the layout
    outcome = through_pipeline(update_layout, alice, layout.pk, name="Grid")

    # then carol gets one watching notification, naming all three reasons
    assert outcome.kinds_naming(carol) == ["watching"]
    layout.refresh_from_db()
    assert outcome.told[carol] == Told("watching", "updated",
                                       f"{alice.username} updated layout “Grid” of graph “Kinase map”.",
                                       [member_of(lab), watching(graph), watching(layout)])


def test_dedupe_a_member_of_two_groups_the_graph_is_shared_with_gets_one_group_notification_with_two_reasons(
        make_user):
    # given bob's graph shared with Lab and then with Club; carol is in both, alice in Lab, erin in Club
    alice, bob, carol, erin = (make_user(name) for name in ("alice", "bob", "carol", "erin"))
    lab = group_of(alice, bob, carol, name="Lab")
    club = group_of(erin, bob, carol, name="Club")
    graph = create_graph(bob, name="Kinase map", group_id=lab.pk)
    share_graph(bob, graph.pk, club.pk)

    # when bob updates it
    outcome = through_pipeline(update_graph, bob, graph.pk, name="Kinase network")

    # then carol is named once, and told once, in the words of the older group, with both groups as reasons
    assert outcome.kinds_naming(carol) == ["group"]
    assert outcome.told[carol] == Told("group", "updated",
                                       f"{bob.username} updated graph “Kinase network”, shared with “Lab”.",
                                       [member_of(lab), member_of(club)])
    # and alice and erin each hear of it through their own group
    assert outcome.told[alice].text == f"{bob.username} updated graph “Kinase network”, shared with “Lab”."
    assert outcome.told[erin] == Told("group", "updated",
                                      f"{bob.username} updated graph “Kinase network”, shared with “Club”.",
                                      [member_of(club)])
    assert set(outcome.told) == {alice, bob, carol, erin}
