"""The digest as beat starts it: the task on Celery's queue, a worker mailing each chunk through SMTP."""

import pytest

from tasks.digest import send_digests
from tests.support.digest import make_due
from tests.support.waiting import wait_for
from web.accounts.models import NotificationPreferences
from web.graphs.actions import create_graph
from web.groups.actions import add_member, create_group
from web.notifications.models import Notification

pytestmark = [pytest.mark.stack, pytest.mark.usefixtures("live_db")]


def test_beats_task_mails_what_the_pipeline_stored_once(beacon, mail_server, make_user):
    # given bob's graph in alice's group, stored for alice by the whole pipeline
    alice, bob = make_user("alice"), make_user("bob")
    # Every test's alice is alice@example.org, and this mail server serves the whole session.
    alice.email = f"{alice.username}@example.org"
    alice.save(update_fields=["email"])
    lab = create_group(alice, name="Lab")
    add_member(alice, lab.pk, bob.username)
    create_graph(bob, name="Yeast <PPI>", graph_json={"elements": []}, group_id=lab.pk)
    wait_for(lambda: Notification.objects.filter(user=alice).count() == 2, timeout=60,
             message="alice's two notifications stored")

    # when alice's hourly slot has come and beat's check runs (on the worker, as beat would queue it)
    make_due(alice)
    send_digests.delay()

    # then alice gets one mail with bob's share (not her own action: it arrived read), marked mailed
    [mail] = wait_for(lambda: mail_server.to(alice.email), timeout=60, message="alice's digest")
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert mail["Subject"] == "1 new notification in Beacon"
    assert f"{bob.username} shared graph “Yeast <PPI>” with “Lab”." in text
    assert "You created group “Lab”." not in text
    wait_for(lambda: Notification.objects.filter(user=alice, mailed_at__isnull=False).count() == 1, timeout=30,
             message="bob's share marked mailed")

    # and the next check, when bob's slot has come with something new for him ("alice added you to Lab"),
    # mails bob and not alice again: her slot moved on
    wait_for(lambda: Notification.objects.filter(user=bob, read_at__isnull=True).exists(), timeout=60,
             message="bob's notification of being added stored")
    assert NotificationPreferences.objects.get(user=alice).digest_next_at > mail_time(alice)
    bob.email = f"{bob.username}@example.org"
    bob.save(update_fields=["email"])
    make_due(bob)
    send_digests.delay()
    wait_for(lambda: mail_server.to(bob.email), timeout=60, message="bob's digest")
    assert len(mail_server.to(alice.email)) == 1


def mail_time(user):
    return Notification.objects.filter(user=user, mailed_at__isnull=False).latest("mailed_at").mailed_at
