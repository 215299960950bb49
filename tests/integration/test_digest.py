"""The email digest against a real SMTP server on loopback (aiosmtpd): who gets what, once.

Each test runs a digest the way ``manage.py send_digests --due-now`` does (the
code beat's check runs, with every user's slot come), then reads what the mail
server received. When the slots come is tests/integration/test_digest_schedules.py's.
"""

import logging
import re
from urllib.parse import unquote

import pytest
from django.test import Client
from django.utils import timezone

from dev.ports import any_free_port
from tests.support.events import graph_event
from tests.support.operator import operator_headers
from tests.support.smtp import digest_mail_server
from web.accounts.actions import update_preferences
from web.digest.links import read_open_token
from web.digest.models import MailRefusal
from web.digest.sending import chunks_due, send_now
from web.notifications import actions
from web.notifications.delivery import deliver
from web.notifications.models import Notice, Notification

pytestmark = pytest.mark.django_db(transaction=True)
SITE = "https://beacon.example.org"


@pytest.fixture
def smtp(settings):
    with digest_mail_server(settings, site_url=SITE) as server:
        yield server


def send_due(**options):
    """A run with every user's digest slot come."""
    return send_now(due_now=True, **options)


def notify(user, name, *, kind="watching", verb="created", actor=None, graph_id=None):
    """One notification for ``user`` about graph ``name`` (its own graph id unless given)."""
    graph_id = graph_id or (abs(hash(name)) % 10**9 + 1)
    [delivered] = deliver(graph_event(actor or user, name, kind=kind, verb=verb, to=[user], graph_id=graph_id))
    return Notification.objects.get(pk=delivered.notification_id)


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html_of(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def mailed(*notifications) -> list[bool]:
    return [Notification.objects.get(pk=n.pk).mailed_at is not None for n in notifications]


def test_each_user_gets_one_mail_with_exactly_their_unread_unmailed_wanted_notifications(smtp, make_user):
    alice, bob, carol, dave = (make_user(name) for name in ("alice", "bob", "carol", "dave"))
    shared = notify(alice, "kinase map", kind="group", verb="shared", actor=bob)
    watched = notify(alice, "p53 net", kind="watching", verb="updated", actor=carol)
    uploaded = notify(alice, "yeast PPI", kind="owner")  # her own action: it arrives read
    read_first = notify(alice, "read before the run", actor=bob)
    actions.mark_read(alice, read_first.pk)
    bobs = notify(bob, "bob's graph", actor=carol)
    update_preferences(bob, digest=False)
    carols_group = notify(carol, "carol's lab graph", kind="group", verb="shared", actor=bob)
    carols_watched = notify(carol, "watched by carol", kind="watching", verb="updated", actor=bob)
    update_preferences(carol, mail_watching=False)

    outcome = send_due()

    assert (outcome.users_mailed, outcome.notifications_mailed, outcome.users_left) == (2, 3, 0)
    [to_alice] = smtp.to(alice.email)
    assert to_alice["Subject"] == "2 new notifications in Beacon"
    body = text_of(to_alice)
    assert f"{bob.username} shared graph “kinase map”." in body
    assert f"{carol.username} updated graph “p53 net”." in body
    assert "yeast PPI" not in body and "read before the run" not in body
    [to_carol] = smtp.to(carol.email)
    assert to_carol["Subject"] == "1 new notification in Beacon"
    assert "carol's lab graph" in text_of(to_carol) and "watched by carol" not in text_of(to_carol)
    assert smtp.to(bob.email) == [] and smtp.to(dave.email) == []
    assert mailed(shared, watched, carols_group) == [True] * 3
    assert mailed(uploaded, read_first, bobs, carols_watched) == [False] * 4

    # Never twice: the next run finds nothing new, then only what came since.
    assert send_due().users_mailed == 0
    later = notify(alice, "later", actor=bob)
    assert (send_due().notifications_mailed, len(smtp.to(alice.email))) == (1, 2)
    assert "later" in text_of(smtp.to(alice.email)[-1]) and "kinase map" not in text_of(smtp.to(alice.email)[-1])
    assert mailed(later) == [True]


def test_a_notification_waits_for_the_settle_time_so_one_read_soon_is_never_mailed(smtp, settings, make_user):
    settings.DIGEST_SETTLE_MINUTES = 5
    alice = make_user("alice")
    read_soon, left_unread = notify(alice, "read soon"), notify(alice, "left unread")

    assert send_due().users_mailed == 0  # both too fresh
    actions.mark_read(alice, read_soon.pk)
    Notice.objects.filter(pk__in=[read_soon.notice_id, left_unread.notice_id]).update(
        created=timezone.now() - timezone.timedelta(minutes=6))
    assert send_due().notifications_mailed == 1

    [message] = smtp.to(alice.email)
    assert "left unread" in text_of(message) and "read soon" not in text_of(message)


def test_the_mail_groups_by_target_links_absolutely_escapes_html_and_offers_one_click_unsubscribe(smtp, make_user):
    alice, bob, carol, dave = (make_user(name) for name in ("alice", "bob", "carol", "dave"))
    for actor in (dave, carol, bob, bob, bob):  # bob last: the newest
        notify(alice, "yeast PPI", kind="watching", verb="updated", actor=actor, graph_id=7)
    notify(alice, "<script>alert(1)</script>", kind="group", verb="shared", actor=bob, graph_id=8)

    send_due()

    [message] = smtp.to(alice.email)
    assert message["Subject"] == "6 new notifications in Beacon"
    text, html = text_of(message), html_of(message)
    # Newest first: the shared graph came last, so it leads.
    lines = [line for line in text.splitlines() if line.startswith("* ")]
    assert lines == [f"* {bob.username} shared graph “<script>alert(1)</script>”.",
                     f"* Graph “yeast PPI”: 5 updates by {bob.username} and 2 others"]
    # each line's link opens its notifications (marking them read) and leads to what they are about
    tokens = re.findall(rf"{re.escape(SITE)}/digest/open/\?t=([\w.:%-]+)", text)
    opened = [read_open_token(unquote(token)) for token in tokens]
    assert [(user, len(ids), to) for user, ids, to in opened] == [(alice.pk, 1, "/graphs/8/"),
                                                                  (alice.pk, 5, "/graphs/7/")]
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.count(f'href="{SITE}/digest/open/?t=') == 2
    link = re.fullmatch(r"<(.+)>", message["List-Unsubscribe"].strip()).group(1)
    assert link.startswith(f"{SITE}/digest/unsubscribe/") and link in text and link in html
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Auto-Submitted"] == "auto-generated"


def test_at_most_fifty_items_and_a_count_of_the_rest_all_marked_mailed(smtp, make_user):
    alice = make_user("alice")
    for number in range(53):  # (each by someone else: one person's would read as one line, a burst)
        notify(alice, f"graph {number:02d}", graph_id=1000 + number, actor=make_user(f"u{number}"))
    # Grouped with its first, and now the newest: 53 items, 54 notifications.
    notify(alice, "graph 00", verb="updated", graph_id=1000)

    send_due()

    [message] = smtp.to(alice.email)
    text = text_of(message)
    assert message["Subject"] == "54 new notifications in Beacon"
    assert len([line for line in text.splitlines() if line.startswith("* ")]) == 50
    assert f"… and 3 more: {SITE}/notifications/?state=unread" in text  # graphs 01 to 03, the oldest
    assert "Graph “graph 00”: 2 changes by you and u0" in text and "graph 04" in text and "graph 03" not in text
    assert not Notification.objects.filter(user=alice, mailed_at__isnull=True).exists()


def digest_metrics() -> tuple[float, float]:
    """What an operator's Prometheus reads: (mails accepted, users left for the next run)."""
    lines = Client().get("/metrics", headers=operator_headers()).content.decode().splitlines()
    return tuple(float(next(line for line in lines if line.startswith(f"{name}_total ")).split()[1])
                 for name in ("beacon_digest_mails", "beacon_digest_users_left"))


def test_a_refused_address_stops_no_one_else_and_is_not_tried_again_every_run(smtp, make_user, caplog):
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    mine = {user: notify(user, f"{user.username}'s graph") for user in (alice, bob, carol)}
    smtp.handler.refused_addresses[bob.email] = "550 5.1.1 No such user here"
    mailed_before, left_before = digest_metrics()

    with caplog.at_level(logging.WARNING, logger="web.digest"):
        outcome = send_due()

    assert (outcome.users_mailed, outcome.users_left) == (2, 1)
    assert [len(smtp.to(u.email)) for u in (alice, bob, carol)] == [1, 0, 1]
    assert mailed(mine[alice], mine[bob], mine[carol]) == [True, False, True]
    assert f"digest: mail to user {bob.pk} <{bob.email}> stopped" in caplog.text
    assert "550 5.1.1 No such user here" in caplog.text
    assert digest_metrics() == (mailed_before + 2, left_before + 1)

    # Stopped until bob confirms his address (tests/integration/test_digest_bounces.py): not left, held back.
    del smtp.handler.refused_addresses[bob.email]
    assert (send_due().users_held, len(smtp.to(bob.email))) == (1, 0)
    assert digest_metrics() == (mailed_before + 2, left_before + 1)


@pytest.mark.parametrize("fault", ["unreachable", "refusing every sender", "not answering"])
def test_a_mail_server_that_fails_marks_nothing_and_a_run_after_the_wait_mails_it_all(smtp, settings, make_user,
                                                                                      caplog, fault):
    alice, bob = make_user("alice"), make_user("bob")
    mine = [notify(alice, "alice's"), notify(bob, "bob's")]
    if fault == "unreachable":
        settings.EMAIL_PORT = any_free_port()  # nothing listens there
    elif fault == "refusing every sender":
        smtp.handler.sender_reply = "421 4.3.2 Service not available, closing"
    else:
        smtp.handler.data_delay_seconds = 2 * settings.EMAIL_TIMEOUT

    with caplog.at_level(logging.ERROR, logger="web.digest"):
        outcome = send_due()

    assert (outcome.users_mailed, outcome.users_left) == (0, 2)
    assert mailed(*mine) == [False, False]
    [error] = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]  # one line, not one per user
    assert error.startswith("digest: mail server 127.0.0.1:") and "2 of 2 users left, their next try after" in error

    settings.EMAIL_PORT = smtp.port
    smtp.handler.sender_reply, smtp.handler.data_delay_seconds = None, 0
    messages_before = len(smtp.messages)  # a mail the slow server took after Beacon gave up on it
    sessions_before = smtp.handler.sessions()
    # The next run within the backoff leaves the server alone.
    assert send_due().users_held == 2 and smtp.handler.sessions() == sessions_before
    MailRefusal.objects.update(retry_after=timezone.now())  # DIGEST_RETRY_MINUTES later
    assert send_due().users_mailed == 2
    assert mailed(*mine) == [True, True]
    assert len(smtp.messages) - messages_before == 2


def test_a_chunk_costs_the_same_few_statements_for_three_users_or_thirty(smtp, make_user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from web.digest.sending import send_chunk

    def statements_for(count: int) -> list[str]:
        users = [make_user(f"reader{n}") for n in range(count)]
        for n, user in enumerate(users):
            notify(user, f"graph {n}", graph_id=n + 1)
            notify(user, f"graph {n}", verb="updated", actor=users[0], graph_id=n + 1)
        chunks_due(due_now=True)
        with CaptureQueriesContext(connection) as queries:
            outcome = send_chunk([u.pk for u in users])
        assert outcome.users_mailed == count
        return [q["sql"].split()[0] for q in queries.captured_queries]

    few, many = statements_for(3), statements_for(30)
    # Lock the due slots, claim, the users' addresses, their zones, mark mailed, move the slots on (and the
    # transaction around them): nothing per user.
    assert few == many
    assert [s for s in many if s in ("SELECT", "UPDATE")] == ["SELECT"] * 4 + ["UPDATE"] * 2


def test_the_command_says_what_it_mailed_and_fails_when_users_were_left(smtp, settings, make_user):
    from io import StringIO

    from django.core.management import call_command

    alice, bob = make_user("alice"), make_user("bob")
    notify(alice, "alice's"), notify(bob, "bob's")
    smtp.handler.refused_addresses[bob.email] = "550 5.1.1 No such user"
    out = StringIO()
    with pytest.raises(SystemExit) as exit_status:
        call_command("send_digests", "--due-now", stdout=out)
    assert exit_status.value.code == 1
    assert out.getvalue() == "Mailed 1 user (1 notification); 1 left for the next run.\n"

    del smtp.handler.refused_addresses[bob.email]
    notify(alice, "alice's second")
    out = StringIO()
    call_command("send_digests", "--due-now", stdout=out)  # no SystemExit: status 0 (bob's stop is his to lift)
    assert out.getvalue() == ("Mailed 1 user (1 notification); 0 left for the next run; "
                              "1 held back by a refusal of their address.\n")


def test_the_mails_times_are_in_each_readers_zone(smtp, make_user):
    from zoneinfo import ZoneInfo

    alice, bob = make_user("alice"), make_user("bob")
    update_preferences(alice, time_zone="Asia/Tokyo")
    ours = notify(alice, "yeast PPI"), notify(bob, "yeast PPI")

    send_due()

    for user, zone, n in ((alice, "Asia/Tokyo", ours[0]), (bob, "UTC", ours[1])):
        [message] = smtp.to(user.email)
        local = n.created.astimezone(ZoneInfo(zone))
        shown = f"{local.day} {local:%b, %H:%M} ({zone})"
        assert shown in text_of(message) and shown in html_of(message)
