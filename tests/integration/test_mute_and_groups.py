"""A group muted, grouping at delivery, and your own actions: who is told what, through the actions themselves."""

import pytest
from django.test import Client

from tests.support.events import graph_event
from web.graphs.actions import create_graph, update_graph, watch_graph
from web.groups.actions import add_member, create_group, leave_group, mute_group, remove_member, unmute_group
from web.notifications import actions
from web.notifications.delivery import deliver
from web.notifications.events import NotificationEvent
from web.notifications.grouping import grouped
from web.notifications.models import Notification
from web.notifications.queries import NotificationFilter
from web.outbox.models import OutboxEvent

pytestmark = pytest.mark.django_db(transaction=True)


def deliver_recorded():
    """Deliver what the actions wrote to the outbox, as the consumer would (again: idempotent)."""
    for row in OutboxEvent.objects.order_by("id"):
        deliver(NotificationEvent.from_dict(row.payload))


def told(user) -> list[tuple[str, str]]:
    return [(n.kind, n.text) for n in Notification.objects.filter(user=user).order_by("id")]


def test_a_muted_group_tells_its_member_nothing_but_what_happens_to_them_and_unmuting_restores_it(make_user):
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    lab = create_group(alice, name="Lab")
    add_member(alice, lab.pk, bob.username)
    mute_group(bob, lab.pk)

    create_graph(alice, name="Muted map", graph_json={"elements": []}, group_id=lab.pk)
    add_member(alice, lab.pk, carol.username)
    deliver_recorded()
    assert told(bob) == [("group", f"{alice.username} added you to group “Lab”.")]  # before the mute

    unmute_group(bob, lab.pk)
    create_graph(alice, name="Heard map", graph_json={"elements": []}, group_id=lab.pk)
    deliver_recorded()  # (a redelivery of what was delivered already changes nothing)
    mute_group(bob, lab.pk)
    remove_member(alice, lab.pk, bob.username)
    deliver_recorded()
    texts = [text for _, text in told(bob)]
    assert f"{alice.username} shared graph “Heard map” with “Lab”." in texts
    assert f"{alice.username} removed you from group “Lab”." in texts  # about him: told though muted
    assert not any("Muted map" in text or carol.username in text for text in texts)


def test_a_watcher_in_a_muted_group_still_hears_as_a_watcher(make_user):
    alice, bob = make_user("alice"), make_user("bob")
    lab = create_group(alice, name="Lab")
    add_member(alice, lab.pk, bob.username)
    graph = create_graph(alice, name="Kinase map", graph_json={"elements": []}, group_id=lab.pk)
    watch_graph(bob, graph.pk)
    mute_group(bob, lab.pk)
    OutboxEvent.objects.all().delete()

    update_graph(alice, graph.pk, name="Kinase map 2")
    deliver_recorded()

    [(kind, _)] = told(bob)
    assert kind == "watching"


def test_leaving_a_group_forgets_its_mute(make_user):
    alice, bob = make_user("alice"), make_user("bob")
    lab = create_group(alice, name="Lab")
    add_member(alice, lab.pk, bob.username)
    mute_group(bob, lab.pk)
    leave_group(bob, lab.pk)
    add_member(alice, lab.pk, bob.username)
    OutboxEvent.objects.all().delete()

    create_graph(alice, name="Welcome back", graph_json={"elements": []}, group_id=lab.pk)
    deliver_recorded()
    assert [kind for kind, _ in told(bob)] == ["group"]


def test_close_changes_to_one_target_share_a_group_and_marking_it_read_marks_them_all(make_user, settings):
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    for actor in (bob, carol, bob):
        deliver(graph_event(actor, "yeast PPI", kind="watching", verb="updated", to=[alice], graph_id=7))
    deliver(graph_event(bob, "other", kind="watching", verb="updated", to=[alice], graph_id=8))
    deliver(graph_event(bob, "yeast PPI", kind="group", verb="updated", to=[alice], graph_id=7))

    notes = list(Notification.objects.filter(user=alice).order_by("-id"))
    groups = grouped(notes)
    assert [g.count for g in groups] == [1, 1, 3]  # another kind, another target: groups of their own
    assert groups[2].text == f"{bob.username} and {carol.username} updated graph “yeast PPI”"
    key = groups[2].key

    marked = actions.mark_all_read(alice, NotificationFilter.from_params({"group": key}))
    assert marked == 3
    assert Notification.objects.filter(user=alice, read_at__isnull=True).count() == 2


def test_a_change_after_the_window_starts_a_new_group(make_user, settings):
    settings.NOTIFICATION_GROUP_MINUTES = 0
    alice, bob = make_user("alice"), make_user("bob")
    for _ in range(2):
        deliver(graph_event(bob, "yeast PPI", kind="watching", verb="updated", to=[alice], graph_id=7))
    assert len({n.group_key for n in Notification.objects.filter(user=alice)}) == 2


def test_the_pages_and_the_api_mute_and_unmute_and_go_back_where_they_were(make_user):
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    lab = create_group(alice, name="Lab")
    add_member(alice, lab.pk, bob.username)
    browser = Client()
    browser.force_login(bob)

    response = browser.post(f"/groups/{lab.pk}/mute/", {"next": "/notifications/?kind=group"})
    assert response.status_code == 302 and response["Location"] == "/notifications/?kind=group"
    profile = browser.get("/accounts/profile/").content.decode()
    assert "Muted groups" in profile and f'action="/groups/{lab.pk}/unmute/"' in profile
    assert "You muted this group" in browser.get(f"/groups/{lab.pk}/").content.decode()
    assert browser.get("/api/v1/preferences/").json()["muted_groups"] == [lab.pk]

    assert browser.post(f"/groups/{lab.pk}/unmute/", {"next": "https://evil.example/"})["Location"] \
        == f"/groups/{lab.pk}/"
    assert browser.get("/api/v1/preferences/").json()["muted_groups"] == []
    assert browser.post(f"/groups/{lab.pk}/mute/", HTTP_ACCEPT="application/json").json() \
        == {"group": lab.pk, "muted": True}

    stranger = Client()
    stranger.force_login(carol)
    assert stranger.post(f"/groups/{lab.pk}/mute/").status_code == 404  # not her group
    assert stranger.put(f"/api/v1/groups/{lab.pk}/mute/").status_code == 404
