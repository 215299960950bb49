"""What the digest does when the mail server refuses an address, against the project's own SMTP server.

A permanent refusal (5xx) stops mail to the address, the profile page says
so, and confirming the address by a mailed link resumes it with everything
that waited. A temporary one (4xx, or the server failing) is tried again
after a backoff instead of every run. Nothing the server did not accept is
ever marked mailed.
"""

import logging
import re
from datetime import datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests.support.events import graph_event
from tests.support.smtp import digest_mail_server
from web.digest.models import MailRefusal
from web.digest.sending import send_now
from web.notifications.delivery import deliver
from web.notifications.models import Notification

pytestmark = pytest.mark.django_db(transaction=True)
SITE = "https://beacon.example.org"


@pytest.fixture
def smtp(settings):
    with digest_mail_server(settings, site_url=SITE) as server:
        settings.DIGEST_RETRY_MINUTES, settings.DIGEST_RETRY_MAX_MINUTES = 5, 240
        yield server


def notify(user, name):
    [delivered] = deliver(graph_event(user, name, to=[user], graph_id=abs(hash(name)) % 10**9 + 1))
    return Notification.objects.get(pk=delivered.notification_id)


def mailed(*notifications) -> list[bool]:
    return [Notification.objects.get(pk=n.pk).mailed_at is not None for n in notifications]


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def words(response) -> str:
    """A page as a person reads it: its text without tags, its spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", response.content.decode()))


def profile_of(user) -> str:
    client = Client()
    client.force_login(user)
    return words(client.get("/accounts/profile/"))


def next_tries_come() -> None:
    """Time passes until every address waiting out a backoff is due again."""
    MailRefusal.objects.filter(retry_after__isnull=False).update(retry_after=timezone.now() - timedelta(seconds=1))


def warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING and r.name == "web.digest"]


def next_try_in(line: str) -> timedelta:
    return datetime.fromisoformat(re.search(r"next try after (\S+)", line).group(1)) - timezone.now()


@pytest.mark.parametrize("refused_at", ["RCPT", "DATA"])
def test_a_permanent_refusal_stops_mail_shows_on_the_profile_and_confirming_the_address_resumes_it(
        smtp, make_user, caplog, refused_at):
    # given alice, whose mailbox does not exist any more, and bob, whose does
    alice, bob = make_user("alice"), make_user("bob")
    first, bobs = notify(alice, "kinase map"), notify(bob, "bob's graph")
    faults = smtp.handler.refused_addresses if refused_at == "RCPT" else smtp.handler.refused_at_data
    faults[alice.email] = "550 5.1.1 No such user"

    # when a run meets the refusal
    with caplog.at_level(logging.INFO, logger="web.digest"):
        outcome = send_now(due_now=True)

    # then bob is mailed, alice's notification waits unmarked, and the log says once that her mail stopped
    assert (outcome.users_mailed, outcome.users_left) == (1, 1)
    assert mailed(first, bobs) == [False, True]
    [warning] = warnings(caplog)
    assert f"mail to user {alice.pk} <{alice.email}> stopped" in warning and "550 5.1.1 No such user" in warning

    # when her mailbox works again but she has not confirmed it, later runs skip her, silently
    del faults[alice.email]
    second = notify(alice, "p53 net")
    caplog.clear()
    sessions = smtp.handler.sessions()
    with caplog.at_level(logging.INFO, logger="web.digest"):
        later = [send_now(due_now=True) for _ in range(2)]
    assert [(o.users_mailed, o.users_left, o.users_held) for o in later] == [(0, 0, 1)] * 2
    assert smtp.handler.sessions() == sessions  # the server was not even asked
    assert smtp.to(alice.email) == [] and warnings(caplog) == []
    assert mailed(first, second) == [False, False]

    # then her profile page says what happened and how to resume
    page = profile_of(alice)
    assert re.search(rf"Mail to {re.escape(alice.email)} was refused on \d{{1,2}} \w{{3}} \d{{4}}, \d\d:\d\d: "
                     r"550 5\.1\.1 No such user\. We stopped mailing it\.", page), page
    assert "Mail me a confirmation link" in page
    assert "We stopped mailing it" not in profile_of(bob)

    # when she asks for a confirmation link (a POST with CSRF, from the page's form)
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    profile = client.get("/accounts/profile/").content.decode()
    form = re.search(r'<form method="post" action="(/digest/confirm/)"[^>]*>\s*<input type="hidden" '
                     r'name="csrfmiddlewaretoken" value="([^"]+)"', profile)
    assert client.post(form.group(1)).status_code == 403  # no CSRF token: refused
    response = client.post(form.group(1), {"csrfmiddlewaretoken": form.group(2)}, follow=True)
    assert f"We mailed a confirmation link to {alice.email}. Open it within 3 days to resume mail." in words(response)

    # then the mail carries a link; opening it (no log-in needed) asks first and changes nothing yet
    [confirmation] = smtp.to(alice.email)
    link = re.search(rf"{SITE}(/digest/confirm/[^/\s]+/)", text_of(confirmation)).group(1)
    reader = Client(enforce_csrf_checks=True)
    page = reader.get(link)
    assert f"Resume mail to {alice.email}?" in words(page)
    assert send_now(due_now=True).users_held == 1

    # when she presses "Resume mail"
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    done = reader.post(link, {"csrfmiddlewaretoken": token}, follow=True)
    assert f"Done: Beacon mails {alice.email} again. Your next digest brings what waited." in words(done)

    # then the next run mails both notifications that waited, once, and the profile no longer warns
    assert send_now(due_now=True).notifications_mailed == 2
    [_, digest] = smtp.to(alice.email)
    assert "kinase map" in text_of(digest) and "p53 net" in text_of(digest)
    assert mailed(first, second) == [True, True]
    assert send_now(due_now=True).users_mailed == 0
    assert "We stopped mailing it" not in profile_of(alice)


def test_a_new_address_is_mailed_whatever_the_old_one_did(smtp, make_user):
    # given alice's mail stopped at her old address, and a confirmation link mailed to it
    alice = make_user("alice")
    waiting = notify(alice, "kinase map")
    smtp.handler.refused_addresses[alice.email] = "550 5.1.1 No such user"
    send_now(due_now=True)
    client = Client()
    client.force_login(alice)
    asked = words(client.post("/digest/confirm/", follow=True))
    assert len(smtp.to(alice.email)) == 0  # refused again: no link went out, and the page says so
    assert "The mail server refused alice@example.org again: 550 5.1.1 No such user. Mail to it stays stopped." in asked

    # when she changes her address
    alice.email = "alice@lab.example.org"
    alice.save(update_fields=["email"])

    # then the stop of the old one holds nothing back: the new one gets what waited, and the profile is quiet
    assert send_now(due_now=True).notifications_mailed == 1
    assert len(smtp.to("alice@lab.example.org")) == 1 and mailed(waiting) == [True]
    assert "We stopped mailing it" not in profile_of(alice)


def test_a_confirmation_link_for_an_old_address_an_expired_one_or_a_forged_one_resumes_nothing(smtp, make_user):
    from django.core import signing

    from web.digest.confirmation import SALT, confirm_url

    alice = make_user("alice")
    notify(alice, "kinase map")
    smtp.handler.refused_addresses[alice.email] = "550 5.1.1 No such user"
    send_now(due_now=True)
    old_link = confirm_url(alice.pk, alice.email).removeprefix(SITE)
    alice.email = "alice@lab.example.org"
    alice.save(update_fields=["email"])
    moved = Client().get(old_link)
    assert moved.status_code == 400 and "This link is for another address" in words(moved)

    forged = Client().get("/digest/confirm/" + signing.dumps({"u": alice.pk, "a": alice.email}, salt="other") + "/")
    assert forged.status_code == 400 and "This link does not work" in words(forged)

    signer = signing.TimestampSigner(salt=SALT)
    signer.timestamp = lambda: signing.b62_encode(int(timezone.now().timestamp()) - 4 * 24 * 3600)
    four_days_ago = signer.sign_object({"u": alice.pk, "a": alice.email}, compress=True)
    expired = Client().post(f"/digest/confirm/{four_days_ago}/")
    assert expired.status_code == 400 and "This link has expired" in words(expired)


def test_a_temporary_refusal_is_retried_after_a_growing_wait_then_mailed_once(smtp, make_user, caplog):
    # given alice, whose server is greylisting Beacon for a while
    alice = make_user("alice")
    first = notify(alice, "kinase map")
    smtp.handler.refused_at_data[alice.email] = "451 4.7.1 Greylisted, try again later"

    # when a run meets it: one WARNING, her next try in 5 minutes, nothing marked
    with caplog.at_level(logging.WARNING, logger="web.digest"):
        assert send_now(due_now=True).users_left == 1
    [warning] = warnings(caplog)
    assert f"digest for user {alice.pk} <{alice.email}> refused for now (451 4.7.1 Greylisted" in warning
    assert timedelta(minutes=4, seconds=50) < next_try_in(warning) <= timedelta(minutes=5)
    assert mailed(first) == [False] and smtp.to(alice.email) == []

    # then runs before that do not knock again, and say nothing
    caplog.clear()
    sessions = smtp.handler.sessions()
    with caplog.at_level(logging.WARNING, logger="web.digest"):
        assert send_now(due_now=True).users_held == 1
    assert smtp.handler.sessions() == sessions and warnings(caplog) == []

    # when the wait is over and the server still refuses, the next wait is twice as long
    next_tries_come()
    with caplog.at_level(logging.WARNING, logger="web.digest"):
        assert send_now(due_now=True).users_left == 1
    [warning] = warnings(caplog)
    assert timedelta(minutes=9, seconds=50) < next_try_in(warning) <= timedelta(minutes=10)

    # when it takes mail again: both notifications in one mail, once, and the backoff is over
    del smtp.handler.refused_at_data[alice.email]
    second = notify(alice, "p53 net")
    next_tries_come()
    with caplog.at_level(logging.INFO, logger="web.digest"):
        assert send_now(due_now=True).notifications_mailed == 2
    [message] = smtp.to(alice.email)
    assert "kinase map" in text_of(message) and "p53 net" in text_of(message)
    assert mailed(first, second) == [True, True]
    assert f"mail to user {alice.pk} <{alice.email}> accepted again after 2 refusals" in caplog.text
    assert not MailRefusal.objects.filter(user=alice).exists()
    third = notify(alice, "yeast PPI")
    assert send_now(due_now=True).notifications_mailed == 1  # no wait left over from the refusals
    assert mailed(third) == [True] and len(smtp.to(alice.email)) == 2


def test_the_wait_between_tries_doubles_up_to_its_cap(settings):
    from web.digest.refusals import backoff

    settings.DIGEST_RETRY_MINUTES, settings.DIGEST_RETRY_MAX_MINUTES = 5, 240
    assert [backoff(n) // timedelta(minutes=1) for n in range(1, 10)] == [5, 10, 20, 40, 80, 160, 240, 240, 240]
    assert backoff(1000) == timedelta(minutes=240)


def test_nothing_the_server_refused_is_marked_mailed(smtp, make_user):
    # given four users: one gone for good, one refused for now at RCPT, one at DATA, one fine
    gone, busy, full, fine = (make_user(name) for name in ("gone", "busy", "full", "fine"))
    mine = {user: notify(user, f"{user.username}'s graph") for user in (gone, busy, full, fine)}
    smtp.handler.refused_addresses[gone.email] = "550 5.1.1 No such user"
    smtp.handler.refused_addresses[busy.email] = "450 4.2.1 Mailbox busy"
    smtp.handler.refused_at_data[full.email] = "452 4.2.2 Mailbox full"

    outcome = send_now(due_now=True)

    assert (outcome.users_mailed, outcome.users_left) == (1, 3)
    assert [len(smtp.to(u.email)) for u in (gone, busy, full, fine)] == [0, 0, 0, 1]
    assert mailed(*mine.values()) == [False, False, False, True]
    assert {r.user_id: r.permanent for r in MailRefusal.objects.all()} == {
        gone.pk: True, busy.pk: False, full.pk: False}


def test_a_confirmation_the_server_cannot_take_now_says_so_and_keeps_the_stop(smtp, make_user, settings):
    from dev.ports import any_free_port

    alice = make_user("alice")
    waiting = notify(alice, "kinase map")
    smtp.handler.refused_addresses[alice.email] = "550 5.1.1 No such user"
    send_now(due_now=True)
    settings.EMAIL_PORT = any_free_port()  # nothing listens there

    client = Client()
    client.force_login(alice)
    page = words(client.post("/digest/confirm/", follow=True))

    assert "The confirmation link could not be sent now: the mail server did not take it" in page
    assert "Try again later." in page and "We stopped mailing it." in page
    assert mailed(waiting) == [False]
