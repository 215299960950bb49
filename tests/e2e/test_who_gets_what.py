"""Who gets what, the rules that cut across the kinds.

Nobody is told of their own action except by an owner notification; no one
learns of a resource they cannot see; a kind someone turned off in the app is
not stored for them at all. The rows for each kind are in test_rules_owner.py,
test_rules_group.py, test_rules_watching.py and test_rules_dedupe.py. Every
action runs through the real pipeline before anything is asserted.
"""

import pytest

from tests.support.pipeline import OWNER, Told, group_of, member_of, through_pipeline, turn_off_in_app, watching
from web.graphs.actions import (
    create_graph,
    create_layout,
    delete_layout,
    share_graph,
    unshare_graph,
    update_graph,
    update_layout,
    watch_graph,
    watch_layout,
)
from web.groups.actions import leave_group

pytestmark = [pytest.mark.stack, pytest.mark.usefixtures("live_db")]


@pytest.fixture
def lab_graph(make_user):
    """bob's graph "Kinase map", shared with alice's Lab (alice, bob, carol); dave is in no group of theirs."""
    alice, bob, carol, dave = (make_user(name) for name in ("alice", "bob", "carol", "dave"))
    lab = group_of(alice, bob, carol, name="Lab")
    graph = create_graph(bob, name="Kinase map", group_id=lab.pk)
    return alice, bob, carol, dave, lab, graph


# Nobody is notified of their own action except by an owner notification

def test_own_action_a_member_who_watches_the_graph_hears_of_their_change_only_as_its_owner(lab_graph):
    # given carol, a member of Lab, watching bob's graph
    alice, bob, carol, dave, lab, graph = lab_graph
    watch_graph(carol, graph.pk)

    # when carol saves a shared layout of it: a change to a graph she watches, in her own group
    outcome = through_pipeline(create_layout, carol, graph.pk, name="Circle", shared=True)

    # then she is named by the owner event alone, and told only that she created it
    assert outcome.kinds_naming(carol) == ["owner"]
    assert outcome.told[carol] == Told("owner", "created", "You created layout “Circle” of graph “Kinase map”.",
                                       [OWNER])


def test_own_action_with_no_owner_notification_tells_its_actor_nothing(lab_graph, make_user):
    # given bob, in Lab and in erin's Club, with his graph shared with Lab
    alice, bob, carol, dave, lab, graph = lab_graph
    erin = make_user("erin")
    club = group_of(erin, bob, name="Club")

    # when bob shares it with Club as well
    outcome = through_pipeline(share_graph, bob, graph.pk, club.pk)

    # then erin hears of it and bob, a member of Club himself, hears nothing
    assert outcome.told == {
        erin: Told("group", "shared", f"{bob.username} shared graph “Kinase map” with “Club”.", [member_of(club)])}
    assert outcome.kinds_naming(bob) == []


# No one learns of a resource they cannot see

def test_cannot_see_members_of_other_groups_and_outsiders_hear_nothing_of_a_graph(lab_graph, make_user):
    # given bob's graph shared with Lab, and erin's Club, with dave, that it is not shared with
    alice, bob, carol, dave, lab, graph = lab_graph
    erin = make_user("erin")
    group_of(erin, dave, name="Club")

    # when bob updates it
    outcome = through_pipeline(update_graph, bob, graph.pk, description="v2")

    # then only those who see it are told: not erin, not dave
    assert set(outcome.told) == {alice, bob, carol}


def test_cannot_see_a_private_layout_its_changes_tell_only_its_owner(lab_graph):
    # given carol watching bob's graph, shared with Lab
    alice, bob, carol, dave, lab, graph = lab_graph
    watch_graph(carol, graph.pk)

    # when alice creates, changes and deletes a private layout of it
    created = through_pipeline(create_layout, alice, graph.pk, name="Draft")
    updated = through_pipeline(update_layout, alice, created.result.pk, name="Draft 2")
    deleted = through_pipeline(delete_layout, alice, created.result.pk)

    # then each time only alice is told: not bob who owns the graph, not carol who watches it
    assert created.told == {alice: Told("owner", "created", "You created layout “Draft” of graph “Kinase map”.",
                                        [OWNER])}
    assert updated.told == {alice: Told("owner", "updated", "You updated layout “Draft 2” of graph “Kinase map”.",
                                        [OWNER])}
    assert deleted.told == {alice: Told("owner", "deleted", "You deleted layout “Draft 2” of graph “Kinase map”.",
                                        [OWNER])}


def test_cannot_see_a_layout_made_private_again_tells_only_its_owner(lab_graph):
    # given alice's shared layout of bob's graph, which bob watches and carol watches through the graph
    alice, bob, carol, dave, lab, graph = lab_graph
    layout = create_layout(alice, graph.pk, name="Circle", shared=True)
    watch_layout(bob, layout.pk)
    watch_graph(carol, graph.pk)

    # when alice makes it private
    outcome = through_pipeline(update_layout, alice, layout.pk, shared=False)

    # then only alice is told: the others can no longer see it
    assert outcome.told == {alice: Told("owner", "updated", "You updated layout “Circle” of graph “Kinase map”.",
                                        [OWNER])}


def test_cannot_see_a_watcher_whose_graph_was_unshared_is_not_told(lab_graph, make_user):
    # given carol watching bob's graph, which bob also shares with erin's Club; then he unshares it from Lab
    alice, bob, carol, dave, lab, graph = lab_graph
    erin = make_user("erin")
    club = group_of(erin, bob, name="Club")
    share_graph(bob, graph.pk, club.pk)
    watch_graph(carol, graph.pk)
    unshare_graph(bob, graph.pk, lab.pk)

    # when bob updates it
    outcome = through_pipeline(update_graph, bob, graph.pk, description="v2")

    # then carol, who still watches it but cannot see it, is not told; nor is alice; erin in Club is
    assert set(outcome.told) == {bob, erin}


def test_cannot_see_a_watcher_who_left_the_group_is_not_told(lab_graph):
    # given carol watching bob's graph, then leaving Lab
    alice, bob, carol, dave, lab, graph = lab_graph
    watch_graph(carol, graph.pk)
    leave_group(carol, lab.pk)

    # when bob updates it
    outcome = through_pipeline(update_graph, bob, graph.pk, description="v2")

    # then carol is not told
    assert set(outcome.told) == {alice, bob}


def test_unsharing_a_graph_tells_nobody(lab_graph):
    # given bob's graph, shared with Lab
    alice, bob, carol, dave, lab, graph = lab_graph

    # when bob unshares it
    outcome = through_pipeline(unshare_graph, bob, graph.pk, lab.pk)

    # then no event is written, and nobody is told: its members can no longer see what it was about
    assert outcome.events == ()
    assert outcome.told == {}


# Preferences: a kind turned off in the app is not stored for that user at all

def test_preferences_group_off_the_member_gets_nothing_and_the_others_still_do(lab_graph):
    # given carol has turned group notifications off in the app
    alice, bob, carol, dave, lab, graph = lab_graph
    turn_off_in_app(carol, "group")

    # when bob updates his graph shared with Lab
    outcome = through_pipeline(update_graph, bob, graph.pk, description="v2")

    # then carol has nothing stored; alice is told as before
    assert set(outcome.told) == {alice, bob}
    assert outcome.kinds_naming(carol) == []


def test_preferences_watching_off_a_watcher_in_the_group_is_told_as_a_member_instead(lab_graph):
    # given carol, in Lab, watches bob's graph but has turned watching notifications off in the app
    alice, bob, carol, dave, lab, graph = lab_graph
    watch_graph(carol, graph.pk)
    turn_off_in_app(carol, "watching")

    # when bob updates it
    outcome = through_pipeline(update_graph, bob, graph.pk, description="v2")

    # then no watching notification is stored for her; she is told as a member of Lab, her reasons all recorded
    assert outcome.told[carol] == Told("group", "updated",
                                       f"{bob.username} updated graph “Kinase map”, shared with “Lab”.",
                                       [member_of(lab), watching(graph)])


def test_preferences_group_and_watching_off_a_watcher_in_the_group_gets_nothing(lab_graph):
    # given carol watches bob's graph but has turned group and watching notifications off
    alice, bob, carol, dave, lab, graph = lab_graph
    watch_graph(carol, graph.pk)
    turn_off_in_app(carol, "group", "watching")

    # when bob updates it
    outcome = through_pipeline(update_graph, bob, graph.pk, description="v2")

    # then nothing is stored for her
    assert set(outcome.told) == {alice, bob}


def test_preferences_owner_off_the_actor_gets_nothing_and_no_event_is_written(make_user):
    # given alice has turned owner notifications off
    alice = make_user("alice")
    turn_off_in_app(alice, "owner")

    # when she uploads a graph nobody else sees
    outcome = through_pipeline(create_graph, alice, name="Kinase map")

    # then nothing is stored for her, and there was nobody to send an event for
    assert outcome.events == ()
    assert outcome.told == {}
