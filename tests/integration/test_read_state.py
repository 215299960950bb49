"""Read state: every change is numbered in the user's stream with the count that follows it."""

import pytest

from tests.support.events import graph_event
from web.notifications import actions
from web.notifications.delivery import deliver
from web.notifications.models import Notification, StreamEvent, UserStream

pytestmark = pytest.mark.django_db(transaction=True)


def notify(user, name="Kinase map"):
    [delivered] = deliver(graph_event(user, name))
    return Notification.objects.get(pk=delivered.notification_id)


def last_event(user):
    return StreamEvent.objects.filter(user=user).order_by("-seq").first()


def test_marking_one_read_and_unread_again(make_user):
    alice = make_user("alice")
    first, second = notify(alice, "one"), notify(alice, "two")

    actions.mark_read(alice, first.pk)
    event = last_event(alice)
    assert (event.seq, event.type, event.payload["id"], event.payload["unread"]) == (
        3, "notification.read", first.pk, 1)

    actions.mark_unread(alice, first.pk)
    event = last_event(alice)
    assert (event.seq, event.type, event.payload["unread"]) == (4, "notification.unread", 2)
    assert UserStream.objects.get(user=alice).unread == 2
    assert second.read_at is None


def test_marking_read_what_is_already_read_changes_nothing(make_user):
    alice = make_user("alice")
    first = notify(alice)
    actions.mark_read(alice, first.pk)
    actions.mark_read(alice, first.pk)
    assert StreamEvent.objects.filter(user=alice).count() == 2
    assert UserStream.objects.get(user=alice).unread == 0


def test_mark_all_read_is_one_event_naming_each(make_user):
    alice, bob = make_user("alice"), make_user("bob")
    ids = [notify(alice, str(n)).pk for n in range(3)]
    bobs = notify(bob)

    assert actions.mark_all_read(alice) == 3

    event = last_event(alice)
    assert (event.type, event.payload["ids"], event.payload["unread"]) == ("notifications.read_all", ids, 0)
    assert not Notification.objects.filter(user=alice, read_at__isnull=True).exists()
    assert Notification.objects.get(pk=bobs.pk).read_at is None  # bob's are his own


def test_someone_elses_notification_cannot_be_marked(make_user):
    alice, bob = make_user("alice"), make_user("bob")
    bobs = notify(bob)
    with pytest.raises(Notification.DoesNotExist):
        actions.mark_read(alice, bobs.pk)
    assert Notification.objects.get(pk=bobs.pk).read_at is None
