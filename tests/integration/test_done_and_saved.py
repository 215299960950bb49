"""Done and saved: each change numbered in the stream with the exact count, and the pruning of old done ones."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from tasks.inbox import prune_done_notifications
from tests.support.events import graph_event
from web.notifications import actions
from web.notifications.delivery import deliver
from web.notifications.models import Notification, StreamEvent, UserStream

pytestmark = pytest.mark.django_db(transaction=True)


def notify(user, name: str, graph_id: int) -> Notification:
    [delivered] = deliver(graph_event(user, name, to=[user], graph_id=graph_id))
    return Notification.objects.get(pk=delivered.notification_id)


def last_event(user):
    return StreamEvent.objects.filter(user=user).order_by("-seq").first()


def test_done_is_numbered_with_the_count_after_and_undone_keeps_it(make_user):
    # given alice with two unread notifications
    alice = make_user("alice")
    first, second = notify(alice, "Kinase map", 1), notify(alice, "Yeast PPI", 2)

    # when she marks one done, the event names it with her count after
    actions.mark_done(alice, first.pk)
    event = last_event(alice)
    assert (event.type, event.payload["ids"], event.payload["unread"]) == ("notifications.done", [first.pk], 1)
    assert UserStream.objects.get(user=alice).unread == 1

    # done again: nothing new
    actions.mark_done(alice, first.pk)
    assert last_event(alice).seq == event.seq

    # moved back to the inbox: read still, the count unchanged, numbered
    actions.move_to_inbox(alice, first.pk)
    event = last_event(alice)
    assert (event.type, event.payload["id"], event.payload["unread"]) == ("notification.undone", first.pk, 1)

    # marked unread while done: back in the inbox too (a done one is always read)
    actions.mark_done(alice, second.pk)
    actions.mark_unread(alice, second.pk)
    stored = Notification.objects.get(pk=second.pk)
    assert (stored.done_at, stored.read_at) == (None, None)
    assert UserStream.objects.get(user=alice).unread == 1


def test_pruning_deletes_done_ones_past_the_keep_time_only(make_user):
    # given alice's notifications: done long ago, done long ago but saved, done lately, and not done
    alice = make_user("alice")
    old, saved, recent, inbox = (notify(alice, name, n) for n, name in enumerate(("a", "b", "c", "d"), start=1))
    for n in (old, saved, recent):
        actions.mark_done(alice, n.pk)
    actions.save(alice, saved.pk)
    keep = timedelta(days=settings.NOTIFICATIONS_DONE_KEEP_DAYS)
    long_ago = timezone.now() - keep - timedelta(hours=1)
    Notification.objects.filter(pk__in=[old.pk, saved.pk]).update(done_at=long_ago)
    Notification.objects.filter(pk=inbox.pk).update(read_at=long_ago)

    # when beat's task runs
    deleted = prune_done_notifications()

    # then only the old, unsaved done one is gone
    assert deleted == 1
    assert set(Notification.objects.filter(user=alice).values_list("pk", flat=True)) == {saved.pk, recent.pk, inbox.pk}


def test_pruning_is_on_beats_schedule():
    assert settings.CELERY_BEAT_SCHEDULE["prune-done-notifications"]["task"] == "tasks.inbox.prune_done_notifications"
    assert settings.NOTIFICATIONS_DONE_KEEP_DAYS == 150


def test_undo_of_a_group_is_one_event_and_skips_what_is_not_hers(make_user):
    # given alice, who marked two done, and bob's notification
    alice, bob = make_user("alice"), make_user("bob")
    first, second = notify(alice, "Kinase map", 1), notify(alice, "Yeast PPI", 2)
    bobs = notify(bob, "Bob's map", 3)
    actions.mark_done(alice, first.pk)
    actions.mark_done(alice, second.pk)
    actions.mark_done(bob, bobs.pk)

    # when her Undo names both, and bob's id too
    moved = actions.undo_done(alice, [first.pk, second.pk, bobs.pk])

    # then hers are back, in one event with her count, and bob's stays done
    assert moved == 2
    event = last_event(alice)
    assert (event.type, event.payload["ids"], event.payload["unread"]) == (
        "notifications.undone", [first.pk, second.pk], 0)
    assert Notification.objects.filter(user=alice, done_at__isnull=True).count() == 2
    assert Notification.objects.get(pk=bobs.pk).done_at is not None


def test_an_undone_event_names_the_groups_to_fetch_back(make_user):
    # given alice, who marked two notifications about two graphs done
    alice = make_user("alice")
    first, second = notify(alice, "Kinase map", 1), notify(alice, "Yeast PPI", 2)
    actions.mark_done(alice, first.pk)
    actions.mark_done(alice, second.pk)

    # when she moves one back, then undoes the other
    actions.move_to_inbox(alice, first.pk)
    one = last_event(alice)
    actions.undo_done(alice, [second.pk])
    many = last_event(alice)

    # then each event names the group its row is fetched by, and the kind another tab checks it against
    assert (one.payload["group_key"], one.payload["kind"]) == (first.grouping_key, first.kind)
    assert many.payload["groups"] == [{"group_key": second.grouping_key, "kind": second.kind}]


def test_a_groups_star_is_one_event_of_what_changed(make_user):
    # given alice with three notifications, one of them saved, and bob's
    alice, bob = make_user("alice"), make_user("bob")
    ids = [notify(alice, "Kinase map", 1).pk for _ in range(3)]
    bobs = notify(bob, "Bob's map", 2)
    actions.save(alice, ids[0])

    # when she stars them all (and names bob's too)
    changed = actions.set_saved_many(alice, [*ids, bobs.pk], saved=True)

    # then the two that were not saved are, in one event, and bob's is untouched
    assert changed == ids[1:]
    event = last_event(alice)
    assert (event.type, event.payload["ids"]) == ("notifications.saved", ids[1:])
    assert Notification.objects.filter(pk__in=ids, saved=True).count() == 3
    assert not Notification.objects.get(pk=bobs.pk).saved

    # starred again: nothing new; unstarred: all three in one event
    assert actions.set_saved_many(alice, ids, saved=True) == []
    assert last_event(alice).seq == event.seq
    assert actions.set_saved_many(alice, ids, saved=False) == ids
    assert (last_event(alice).type, last_event(alice).payload["ids"]) == ("notifications.unsaved", ids)
