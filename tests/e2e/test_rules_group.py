"""Who gets what, group row: what happens in a group of yours, told to every other member.

Someone was added to it (and the person added hears "added you"); a member
shared a graph or layout with it; a graph or layout shared with it was updated
or deleted; it was renamed or deleted. Also: a member removed, a member
leaving. Every action runs through the real pipeline before anything is
asserted, and ``outcome.told`` is everyone the action notified: whoever is
not in it (the actor for a group event, dave outside the group) got nothing.
"""

import pytest

from tests.support.pipeline import OWNER, Told, group_of, member_of, through_pipeline
from web.graphs.actions import (
    create_graph,
    create_layout,
    delete_graph,
    delete_layout,
    share_graph,
    update_graph,
    update_layout,
)
from web.groups.actions import add_member, delete_group, leave_group, remove_member, rename_group

pytestmark = [pytest.mark.stack, pytest.mark.usefixtures("live_db")]


@pytest.fixture
def people(make_user):
    """alice owns group Lab, with bob and carol in it; dave is in no group of theirs."""
    alice, bob, carol, dave = (make_user(name) for name in ("alice", "bob", "carol", "dave"))
    return alice, bob, carol, dave, group_of(alice, bob, carol, name="Lab")


def test_group_someone_was_added_the_members_are_told_and_the_person_added_hears_you_were_added(people):
    # given alice's Lab with bob and carol, and dave outside it
    alice, bob, carol, dave, lab = people

    # when alice adds dave
    outcome = through_pipeline(add_member, alice, lab.pk, dave.username)

    # then bob and carol hear dave was added, dave hears he was, and alice, who did it, hears nothing
    assert outcome.told == {
        bob: Told("group", "added", f"{alice.username} added {dave.username} to group “Lab”.", [member_of(lab)]),
        carol: Told("group", "added", f"{alice.username} added {dave.username} to group “Lab”.", [member_of(lab)]),
        dave: Told("group", "added", f"{alice.username} added you to group “Lab”.", [member_of(lab, about_you=True)]),
    }


def test_group_a_member_shared_a_graph_with_the_group(people):
    # given bob's graph, not shared yet
    alice, bob, carol, dave, lab = people
    graph = create_graph(bob, name="Kinase map")

    # when bob shares it with Lab
    outcome = through_pipeline(share_graph, bob, graph.pk, lab.pk)

    # then the other members hear he shared it; bob, the actor, and dave, outside, hear nothing
    shared = Told("group", "shared", f"{bob.username} shared graph “Kinase map” with “Lab”.", [member_of(lab)])
    assert outcome.told == {alice: shared, carol: shared}


def test_group_a_member_uploaded_a_graph_into_the_group(people):
    # given alice's Lab
    alice, bob, carol, dave, lab = people

    # when bob uploads a graph straight into Lab
    outcome = through_pipeline(create_graph, bob, name="Kinase map", group_id=lab.pk)

    # then he hears he uploaded it and the other members hear he shared it with Lab
    shared = Told("group", "shared", f"{bob.username} shared graph “Kinase map” with “Lab”.", [member_of(lab)])
    assert outcome.told == {
        bob: Told("owner", "uploaded", "You uploaded graph “Kinase map”.", [OWNER]),
        alice: shared,
        carol: shared,
    }


def test_group_a_member_shared_a_layout_with_the_group_by_creating_it_shared(people):
    # given bob's graph, shared with Lab
    alice, bob, carol, dave, lab = people
    graph = create_graph(bob, name="Kinase map", group_id=lab.pk)

    # when carol saves a shared layout of it
    outcome = through_pipeline(create_layout, carol, graph.pk, name="Circle", shared=True)

    # then she hears she created it, and alice and bob hear she shared it with Lab
    shared = Told("group", "shared",
                  f"{carol.username} shared layout “Circle” of graph “Kinase map” with “Lab”.", [member_of(lab)])
    assert outcome.told == {
        carol: Told("owner", "created", "You created layout “Circle” of graph “Kinase map”.", [OWNER]),
        alice: shared,
        bob: shared,
    }


def test_group_a_member_shared_a_layout_with_the_group_by_making_a_private_one_shared(people):
    # given carol's private layout of bob's graph, which is shared with Lab
    alice, bob, carol, dave, lab = people
    graph = create_graph(bob, name="Kinase map", group_id=lab.pk)
    layout = create_layout(carol, graph.pk, name="Circle")

    # when carol makes it shared
    outcome = through_pipeline(update_layout, carol, layout.pk, shared=True)

    # then she hears she updated it, and alice and bob hear she shared it with Lab
    shared = Told("group", "shared",
                  f"{carol.username} shared layout “Circle” of graph “Kinase map” with “Lab”.", [member_of(lab)])
    assert outcome.told == {
        carol: Told("owner", "updated", "You updated layout “Circle” of graph “Kinase map”.", [OWNER]),
        alice: shared,
        bob: shared,
    }


def test_group_a_graph_shared_with_the_group_was_updated(people):
    # given bob's graph, shared with Lab
    alice, bob, carol, dave, lab = people
    graph = create_graph(bob, name="Kinase map", group_id=lab.pk)

    # when bob renames it
    outcome = through_pipeline(update_graph, bob, graph.pk, name="Kinase network")

    # then the other members hear of it under its new name, with the group it reached them through
    updated = Told("group", "updated", f"{bob.username} updated graph “Kinase network”, shared with “Lab”.",
                   [member_of(lab)])
    assert outcome.told == {
        bob: Told("owner", "updated", "You updated graph “Kinase network”.", [OWNER]),
        alice: updated,
        carol: updated,
    }


def test_group_a_graph_shared_with_the_group_was_deleted(people):
    # given bob's graph, shared with Lab
    alice, bob, carol, dave, lab = people
    graph = create_graph(bob, name="Kinase map", group_id=lab.pk)

    # when bob deletes it
    outcome = through_pipeline(delete_graph, bob, graph.pk)

    # then the other members hear it is gone
    deleted = Told("group", "deleted", f"{bob.username} deleted graph “Kinase map”, shared with “Lab”.",
                   [member_of(lab)])
    assert outcome.told == {
        bob: Told("owner", "deleted", "You deleted graph “Kinase map”.", [OWNER]),
        alice: deleted,
        carol: deleted,
    }


def test_group_a_layout_shared_with_the_group_was_updated(people):
    # given carol's shared layout of bob's graph, shared with Lab
    alice, bob, carol, dave, lab = people
    graph = create_graph(bob, name="Kinase map", group_id=lab.pk, graph_json={"elements": [{"data": {"id": "a"}}]})
    layout = create_layout(carol, graph.pk, name="Circle", shared=True)

    # when carol moves its nodes
    outcome = through_pipeline(update_layout, carol, layout.pk, positions={"a": {"x": 1, "y": 2}})

    # then alice and bob hear she updated it
    updated = Told("group", "updated",
                   f"{carol.username} updated layout “Circle” of graph “Kinase map”, shared with “Lab”.",
                   [member_of(lab)])
    assert outcome.told == {
        carol: Told("owner", "updated", "You updated layout “Circle” of graph “Kinase map”.", [OWNER]),
        alice: updated,
        bob: updated,
    }


def test_group_a_layout_shared_with_the_group_was_deleted(people):
    # given carol's shared layout of bob's graph, shared with Lab
    alice, bob, carol, dave, lab = people
    graph = create_graph(bob, name="Kinase map", group_id=lab.pk)
    layout = create_layout(carol, graph.pk, name="Circle", shared=True)

    # when carol deletes it
    outcome = through_pipeline(delete_layout, carol, layout.pk)

    # then alice and bob hear it is gone
    deleted = Told("group", "deleted",
                   f"{carol.username} deleted layout “Circle” of graph “Kinase map”, shared with “Lab”.",
                   [member_of(lab)])
    assert outcome.told == {
        carol: Told("owner", "deleted", "You deleted layout “Circle” of graph “Kinase map”.", [OWNER]),
        alice: deleted,
        bob: deleted,
    }


def test_group_the_group_was_renamed(people):
    # given alice's Lab
    alice, bob, carol, dave, lab = people

    # when alice renames it
    outcome = through_pipeline(rename_group, alice, lab.pk, name="Systems Lab")

    # then bob and carol hear its old and new names
    renamed_lab = outcome.result
    renamed = Told("group", "renamed", f"{alice.username} renamed group “Lab” to “Systems Lab”.",
                   [member_of(renamed_lab)])
    assert outcome.told == {
        alice: Told("owner", "renamed", "You renamed group “Lab” to “Systems Lab”.", [OWNER]),
        bob: renamed,
        carol: renamed,
    }


def test_group_the_group_was_deleted(people):
    # given alice's Lab
    alice, bob, carol, dave, lab = people

    # when alice deletes it
    outcome = through_pipeline(delete_group, alice, lab.pk)

    # then bob and carol hear it is gone
    deleted = Told("group", "deleted", f"{alice.username} deleted group “Lab”.", [member_of(lab)])
    assert outcome.told == {
        alice: Told("owner", "deleted", "You deleted group “Lab”.", [OWNER]),
        bob: deleted,
        carol: deleted,
    }


def test_group_a_member_removed_hears_removed_you_and_the_others_hear_who(people):
    # given alice's Lab with bob and carol
    alice, bob, carol, dave, lab = people

    # when alice removes carol
    outcome = through_pipeline(remove_member, alice, lab.pk, carol.username)

    # then carol hears she was removed, though she no longer sees the group; bob hears who was; alice nothing
    assert outcome.told == {
        bob: Told("group", "removed", f"{alice.username} removed {carol.username} from group “Lab”.",
                  [member_of(lab)]),
        carol: Told("group", "removed", f"{alice.username} removed you from group “Lab”.",
                    [member_of(lab, about_you=True)]),
    }


def test_group_a_member_left_the_others_hear_it(people):
    # given alice's Lab with bob and carol
    alice, bob, carol, dave, lab = people

    # when carol leaves
    outcome = through_pipeline(leave_group, carol, lab.pk)

    # then alice and bob hear she left; carol, who left, hears nothing
    left = Told("group", "left", f"{carol.username} left group “Lab”.", [member_of(lab)])
    assert outcome.told == {alice: left, bob: left}
