"""Who an action's events name, straight from the outbox (the pipeline's tests are in tests/e2e/test_rules_*)."""

import pytest

from web.accounts.models import NotificationPreferences
from web.graphs import actions as graphs
from web.groups.actions import add_member, create_group
from web.notifications.events import NotificationEvent
from web.outbox.models import OutboxEvent

pytestmark = pytest.mark.django_db


def told(action):
    """Run ``action``; {username: (kind, reasons)} of everyone its events name."""
    from django.contrib.auth import get_user_model

    before = set(OutboxEvent.objects.values_list("id", flat=True))
    action()
    names = dict(get_user_model().objects.values_list("pk", "username"))
    result = {}
    for row in OutboxEvent.objects.exclude(id__in=before):
        for recipient in NotificationEvent.from_dict(row.payload).recipients:
            assert names[recipient["user"]] not in result, "told twice"
            result[names[recipient["user"]]] = (row.payload["kind"], recipient["reasons"])
    return result


@pytest.fixture
def lab(make_user):
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    lab = create_group(alice, name="Lab")
    for member in (bob, carol):
        add_member(alice, lab.pk, member.username)
    return lab, alice, bob, carol


def test_a_watcher_in_the_group_is_told_once_as_a_watcher_with_both_reasons(lab):
    lab, alice, bob, carol = lab
    graph = graphs.create_graph(alice, name="Map", group_id=lab.pk)
    graphs.watch_graph(carol, graph.pk)

    result = told(lambda: graphs.update_graph(alice, graph.pk, description="new"))

    assert result[alice.username] == ("owner", [{"kind": "owner"}])
    assert result[bob.username][0] == "group"
    kind, reasons = result[carol.username]
    assert kind == "watching"
    assert sorted(r["kind"] for r in reasons) == ["group", "watching"]


def test_a_watcher_who_turned_watching_off_is_told_as_a_member(lab):
    lab, alice, bob, carol = lab
    graph = graphs.create_graph(alice, name="Map", group_id=lab.pk)
    graphs.watch_graph(carol, graph.pk)
    NotificationPreferences.objects.create(user=carol, app_watching=False)

    assert told(lambda: graphs.update_graph(alice, graph.pk, name="Map 2"))[carol.username][0] == "group"


def test_a_member_of_two_groups_the_graph_is_shared_with_is_told_once(lab, make_user):
    lab, alice, bob, carol = lab
    other = create_group(alice, name="Other")
    add_member(alice, other.pk, bob.username)
    graph = graphs.create_graph(alice, name="Map", group_id=lab.pk)
    graphs.share_graph(alice, graph.pk, other.pk)

    kind, reasons = told(lambda: graphs.delete_graph(alice, graph.pk))[bob.username]
    assert kind == "group"
    assert sorted(r["group"]["name"] for r in reasons) == ["Lab", "Other"]


def test_a_private_layout_tells_only_its_owner(lab):
    lab, alice, bob, carol = lab
    graph = graphs.create_graph(alice, name="Map", group_id=lab.pk)
    graphs.watch_graph(carol, graph.pk)

    assert set(told(lambda: graphs.create_layout(bob, graph.pk, name="Mine"))) == {bob.username}


def test_a_watcher_who_can_no_longer_see_the_graph_is_not_told(lab):
    lab, alice, bob, carol = lab
    graph = graphs.create_graph(alice, name="Map", group_id=lab.pk)
    graphs.watch_graph(carol, graph.pk)
    graphs.unshare_graph(alice, graph.pk, lab.pk)

    assert set(told(lambda: graphs.update_graph(alice, graph.pk, name="Secret"))) == {alice.username}


def test_an_unshare_tells_nobody(lab):
    lab, alice, bob, carol = lab
    graph = graphs.create_graph(alice, name="Map", group_id=lab.pk)
    assert told(lambda: graphs.unshare_graph(alice, graph.pk, lab.pk)) == {}


def test_deleting_a_graph_tells_the_watchers_of_its_shared_layouts(lab):
    lab, alice, bob, carol = lab
    graph = graphs.create_graph(alice, name="Map", group_id=lab.pk)
    layout = graphs.create_layout(bob, graph.pk, name="Circle", shared=True)
    graphs.watch_layout(carol, layout.pk)

    kind, reasons = told(lambda: graphs.delete_graph(alice, graph.pk))[carol.username]
    assert kind == "watching"
    assert {"kind": "watching", "watched": {"type": "layout", "id": layout.pk, "name": "Circle"}} in reasons
