"""Digest runs as separate processes (``manage.py send_digests``): two at once, and one killed mid-run."""

import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings

from tests.support.digest import make_due
from tests.support.events import graph_event
from tests.support.smtp import RecordingMailServer
from tests.support.waiting import wait_for
from web.notifications.delivery import deliver
from web.notifications.models import Notification

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def smtp():
    with RecordingMailServer() as server:
        yield server


def start_run(smtp, **env) -> subprocess.Popen:
    """``manage.py send_digests`` on the test database, mailing through ``smtp``."""
    database = urlsplit(os.environ["DATABASE_URL"])._replace(path="/" + settings.DATABASES["default"]["NAME"])
    return subprocess.Popen(
        [sys.executable, "manage.py", "send_digests"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, env={**os.environ, "DATABASE_URL": urlunsplit(database), "DIGEST_SETTLE_MINUTES": "0",
                        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                        "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(smtp.port), **env})


def finish(run: subprocess.Popen) -> str:
    output, _ = run.communicate(timeout=60)
    assert run.returncode == 0, output
    return output


def notify(user, name, graph_id, verb="created"):
    deliver(graph_event(user, name, to=[user], graph_id=graph_id, verb=verb))


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def test_two_runs_at_once_mail_every_notification_exactly_once(smtp, make_user):
    users = [make_user(f"user{n}") for n in range(20)]
    names = []
    for n, user in enumerate(users):
        for j in range(2):
            names.append(f"{user.username} graph {j}")
            # (two verbs: two of one verb, of several graphs, would read as one line, a burst)
            notify(user, names[-1], graph_id=100 * n + j + 1, verb=("created", "updated")[j])
    make_due(*users)
    # The first mail either run sends waits until the other run is sending too:
    # proof that they overlapped, not merely ran one after the other.
    both_sending, first = threading.Event(), []
    smtp.handler.hold = lambda envelope: both_sending if not first and not first.append(1) else None

    runs = [start_run(smtp, DIGEST_CHUNK_USERS="4") for _ in range(2)]
    wait_for(lambda: smtp.handler.sessions() >= 2, timeout=60, message="both runs sending at once")
    both_sending.set()
    outputs = [finish(run) for run in runs]

    assert [len(smtp.to(user.email)) for user in users] == [1] * 20
    mailed_names = [name for message in smtp.messages for name in names if f"“{name}”" in text_of(message)]
    assert sorted(mailed_names) == sorted(names)  # each one once
    assert not Notification.objects.filter(user__in=users, mailed_at__isnull=True).exists()
    mailed_by_run = [int(re.search(r"Mailed (\d+) users? ", output).group(1)) for output in outputs]
    assert sum(mailed_by_run) == 20 and min(mailed_by_run) >= 1, outputs


def test_a_run_killed_after_the_server_accepted_a_mail_costs_one_duplicate_and_loses_nothing(smtp, make_user):
    alice, bob = make_user("alice"), make_user("bob")
    notify(alice, "alice's graph", graph_id=1)
    notify(bob, "bob's graph", graph_id=2)
    make_due(alice, bob)
    # The first mail is accepted; the second is held until the run has been
    # killed, so the run dies after an acceptance and before its commit.
    killed, held = threading.Event(), []
    smtp.handler.hold = lambda envelope: (held.append(envelope), killed)[1] if smtp.handler.messages else None
    smtp.handler.discard_held = True

    run = start_run(smtp)
    wait_for(lambda: held, timeout=60, message="the second mail reaching the server")
    run.send_signal(signal.SIGKILL)
    run.wait(timeout=10)
    killed.set()
    [first] = smtp.messages
    assert not Notification.objects.filter(mailed_at__isnull=False, user__in=[alice, bob]).exists()

    smtp.handler.hold = None
    finish(start_run(smtp))

    to_alice, to_bob = smtp.to(alice.email), smtp.to(bob.email)
    first_to = alice if first in to_alice else bob
    assert (len(to_alice), len(to_bob)) == ((2, 1) if first_to == alice else (1, 2))  # one duplicate, none lost
    again = to_alice if first_to == alice else to_bob
    assert text_of(again[0]) == text_of(again[1])
    assert not Notification.objects.filter(user__in=[alice, bob], mailed_at__isnull=True).exists()
