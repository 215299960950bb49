"""The demo data `make run` loads: what the README promises, and nothing twice."""

import pytest
from django.contrib.auth import get_user_model

from dev.demo import DEMO_CLUB, DEMO_GROUP, load_demo
from web.graphs.models import Layout, Watch
from web.groups.models import Group
from web.outbox.models import OutboxEvent

pytestmark = pytest.mark.django_db


def test_the_demo_loads_once_however_often_it_is_run():
    # given the demo loaded
    logins = load_demo()
    events = OutboxEvent.objects.count()
    # when it is loaded again
    assert load_demo() == logins == ["alice / alice", "bob / bob", "carol / carol"]
    # then nothing new was made, so nobody is told anything twice
    assert OutboxEvent.objects.count() == events
    users = get_user_model().objects
    assert users.get(username="alice").check_password("alice")
    assert set(Group.objects.get(name=DEMO_GROUP).members.values_list("username", flat=True)) == {"alice", "bob"}
    assert set(Group.objects.get(name=DEMO_CLUB).members.values_list("username", flat=True)) == {"alice", "carol"}
    assert Layout.objects.get(name="Circle").shared
    assert Watch.objects.filter(user__username="alice", graph__name="Carol's scratch graph").exists()


def test_alice_reads_the_mailbox_even_in_a_database_from_before_she_was_staff():
    # given a demo database where alice was made before she was staff
    get_user_model().objects.create_user("alice", password="alice")
    # when the demo is loaded
    load_demo()
    # then she is staff (the README sends her to /dev/mail/), and nobody else is
    staff = get_user_model().objects.filter(is_staff=True).values_list("username", flat=True)
    assert list(staff) == ["alice"]
