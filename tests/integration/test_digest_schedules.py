"""Each user's digest at their own hour, in their own zone, once a slot, through a real SMTP server.

The clock is Django's ``timezone.now``, moved by the test (tests/support/digest.py);
beat's check is what it runs, ``send_now`` (the functions the task calls), as
often as the test says. Every test reads what the mail server received and
what the preferences page says.
"""

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from tests.support.digest import Clock
from tests.support.events import graph_event
from tests.support.smtp import digest_mail_server
from web.accounts.actions import update_preferences
from web.accounts.models import NotificationPreferences
from web.digest.sending import send_now
from web.notifications.delivery import deliver

pytestmark = pytest.mark.django_db(transaction=True)
UTC = timezone.utc
SUNDAY, MONDAY = 6, 0


@pytest.fixture
def smtp(settings):
    with digest_mail_server(settings, backend="django.core.mail.backends.smtp.EmailBackend") as server:
        yield server


@pytest.fixture
def browser_for():
    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch, datetime(2026, 12, 8, 6, 0, tzinfo=UTC))  # a Tuesday; 07:00 in Paris


def notify(user, name: str, graph_id: int = 1):
    deliver(graph_event(user, name, to=[user], graph_id=graph_id))


def subjects_to(smtp, user) -> list[str]:
    return [message["Subject"] for message in smtp.to(user.email)]


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def next_digest_shown(browser_for, user) -> str:
    """What the preferences page says of the next digest."""
    html = browser_for(user).get("/accounts/profile/").content.decode()
    return html.split("Next digest: <strong>", 1)[1].split("</strong>", 1)[0]


def test_each_user_is_mailed_once_at_their_own_local_hour_and_not_again_in_that_slot(
        smtp, clock, make_user, browser_for):
    # given alice daily at 08:00 in Paris, bob daily at 08:00 in New York, carol hourly (the server's zone,
    # UTC) and dave weekly on Monday at 08:00 in Sydney, each with something new
    alice, bob, carol, dave = (make_user(name) for name in ("alice", "bob", "carol", "dave"))
    update_preferences(alice, digest_every="daily", digest_hour=8, time_zone="Europe/Paris")
    update_preferences(bob, digest_every="daily", digest_hour=8, time_zone="America/New_York")
    update_preferences(carol, digest_every="hourly")
    update_preferences(dave, digest_every="weekly", digest_weekday=MONDAY, digest_hour=8,
                       time_zone="Australia/Sydney")
    for n, (user, name) in enumerate(((alice, "alice's"), (bob, "bob's"), (carol, "carol's"), (dave, "dave's"))):
        notify(user, f"{name} graph", graph_id=n + 1)
    assert next_digest_shown(browser_for, alice) == "Tue 8 Dec, 08:00 (Europe/Paris)"
    assert next_digest_shown(browser_for, bob) == "Tue 8 Dec, 08:00 (America/New_York)"
    assert next_digest_shown(browser_for, dave) == "Mon 14 Dec, 08:00 (Australia/Sydney)"

    # when beat checks at 06:59 UTC, no one's hour has come
    clock.set(datetime(2026, 12, 8, 6, 59, tzinfo=UTC))
    assert send_now().users_mailed == 0
    assert smtp.messages == []

    # at 07:00 UTC it is 08:00 in Paris and on the hour for carol: those two, once each
    clock.set(datetime(2026, 12, 8, 7, 0, 30, tzinfo=UTC))
    assert send_now().users_mailed == 2
    assert [len(smtp.to(u.email)) for u in (alice, bob, carol, dave)] == [1, 0, 1, 0]
    assert "alice's graph" in text_of(smtp.to(alice.email)[0])

    # and the checks later in that slot mail no one again, even with something new for alice
    notify(alice, "alice's second graph", graph_id=11)
    for minute in (1, 2, 30, 59):
        clock.set(datetime(2026, 12, 8, 7, minute, 30, tzinfo=UTC))
        send_now()
    assert [len(smtp.to(u.email)) for u in (alice, bob, carol, dave)] == [1, 0, 1, 0]
    assert next_digest_shown(browser_for, alice) == "Wed 9 Dec, 08:00 (Europe/Paris)"

    # bob's 08:00 is 13:00 UTC; carol's hourly slot then mails her nothing: nothing new for her
    clock.set(datetime(2026, 12, 8, 13, 0, 5, tzinfo=UTC))
    assert send_now().users_mailed == 1
    assert [len(smtp.to(u.email)) for u in (alice, bob, carol, dave)] == [1, 1, 1, 0]

    # dave's Monday 08:00 in Sydney is Sunday 21:00 UTC; alice's second graph waits for her next morning
    clock.set(datetime(2026, 12, 9, 7, 0, 5, tzinfo=UTC))
    send_now()
    [_, second] = smtp.to(alice.email)
    assert "“alice's second graph”" in text_of(second) and "“alice's graph”" not in text_of(second)
    clock.set(datetime(2026, 12, 13, 21, 0, 5, tzinfo=UTC))
    send_now()
    assert [len(smtp.to(u.email)) for u in (alice, bob, carol, dave)] == [2, 1, 1, 1]


def test_a_slot_with_nothing_new_sends_nothing_and_moves_on(smtp, clock, make_user, browser_for):
    # given alice daily at 08:00 in Paris, who read everything
    alice = make_user("alice")
    update_preferences(alice, digest_every="daily", digest_hour=8, time_zone="Europe/Paris")

    # when her hour comes
    clock.set(datetime(2026, 12, 8, 7, 0, 30, tzinfo=UTC))
    send_now()

    # then no mail, and her next digest is tomorrow's
    assert smtp.messages == []
    assert next_digest_shown(browser_for, alice) == "Wed 9 Dec, 08:00 (Europe/Paris)"

    # and what comes at 09:00 is mailed tomorrow at 08:00, not at the next check
    clock.set(datetime(2026, 12, 8, 8, 0, tzinfo=UTC))
    notify(alice, "at nine")
    clock.forward(minutes=1)
    send_now()
    assert smtp.messages == []
    clock.set(datetime(2026, 12, 9, 7, 0, 30, tzinfo=UTC))
    send_now()
    assert subjects_to(smtp, alice) == ["1 new notification in Beacon"]


def test_a_changed_schedule_or_zone_takes_effect_at_once(smtp, clock, make_user, browser_for):
    # given alice daily at 08:00 in Paris, with something new
    alice = make_user("alice")
    update_preferences(alice, digest_every="daily", digest_hour=8, time_zone="Europe/Paris")
    notify(alice, "kinase map")

    # when, at 07:00 Paris, she moves it to 18:00
    update_preferences(alice, digest_hour=18)
    assert next_digest_shown(browser_for, alice) == "Tue 8 Dec, 18:00 (Europe/Paris)"

    # then 08:00 passes without a mail, and 18:00 Paris (17:00 UTC) brings it
    clock.set(datetime(2026, 12, 8, 7, 0, 30, tzinfo=UTC))
    send_now()
    assert smtp.messages == []
    clock.set(datetime(2026, 12, 8, 17, 0, 30, tzinfo=UTC))
    send_now()
    assert len(smtp.to(alice.email)) == 1

    # and a new zone moves the hour with it: 18:00 in New York is 23:00 UTC
    notify(alice, "p53 net", graph_id=2)
    update_preferences(alice, time_zone="America/New_York")
    assert next_digest_shown(browser_for, alice) == "Tue 8 Dec, 18:00 (America/New_York)"
    clock.set(datetime(2026, 12, 8, 22, 59, tzinfo=UTC))
    send_now()
    assert len(smtp.to(alice.email)) == 1
    clock.set(datetime(2026, 12, 8, 23, 0, 30, tzinfo=UTC))
    send_now()
    assert len(smtp.to(alice.email)) == 2

    # and off is off: no slot, no mail, until she turns it on again
    notify(alice, "yeast PPI", graph_id=3)
    update_preferences(alice, digest=False)
    assert next_digest_shown(browser_for, alice) == "Off"
    clock.set(datetime(2026, 12, 9, 23, 0, 30, tzinfo=UTC))
    send_now()
    assert len(smtp.to(alice.email)) == 2


def test_slots_missed_while_beat_was_down_send_one_digest_on_its_return(smtp, clock, make_user, browser_for):
    # given alice hourly, with something new at 06:30
    alice = make_user("alice")
    update_preferences(alice, digest_every="hourly")
    clock.set(datetime(2026, 12, 8, 6, 30, tzinfo=UTC))
    notify(alice, "kinase map")

    # when beat comes back at 11:40, after five of her slots
    clock.set(datetime(2026, 12, 8, 11, 40, tzinfo=UTC))
    send_now()
    send_now()

    # then one mail, and her next digest is at noon
    assert len(smtp.to(alice.email)) == 1
    assert next_digest_shown(browser_for, alice) == "Tue 8 Dec, 12:00 (UTC)"


def test_a_user_who_never_saved_preferences_is_mailed_hourly_from_the_next_hour(smtp, clock, make_user):
    # given alice, who never opened her preferences, with something new at 06:10
    alice = make_user("alice")
    clock.set(datetime(2026, 12, 8, 6, 10, tzinfo=UTC))
    notify(alice, "kinase map")

    # when beat checks at 06:11 she is given her first slot, the next hour, and mailed then, once
    clock.forward(minutes=1)
    send_now()
    assert smtp.messages == []
    assert NotificationPreferences.objects.get(user=alice).digest_next_at == datetime(2026, 12, 8, 7, tzinfo=UTC)
    clock.set(datetime(2026, 12, 8, 7, 0, 20, tzinfo=UTC))
    send_now()
    send_now()
    assert len(smtp.to(alice.email)) == 1


@pytest.mark.parametrize("zone, start, hour", [
    ("Europe/Paris", datetime(2027, 3, 26, 12, tzinfo=UTC), 2),  # forward on Sun 28 Mar 2027: 02:00 is skipped
    ("America/New_York", datetime(2027, 11, 5, 12, tzinfo=UTC), 1),  # back on Sun 7 Nov 2027: 01:00 twice
    ("Australia/Sydney", datetime(2027, 4, 2, 12, tzinfo=UTC), 2),  # back on Sun 4 Apr 2027: 02:00 twice
    ("Australia/Sydney", datetime(2027, 10, 1, 12, tzinfo=UTC), 2),  # forward on Sun 3 Oct 2027
])
def test_across_a_change_of_the_clocks_a_daily_digest_comes_once_a_day(smtp, clock, make_user, zone, start, hour):
    # given alice daily at an hour the change skips or repeats, and something new every hour for four days
    clock.set(start)
    alice = make_user("alice")
    update_preferences(alice, digest_every="daily", digest_hour=hour, time_zone=zone)

    # when beat checks every 10 minutes
    mailed_at = []  # the clock's time of each mail the server received
    for step in range(4 * 24 * 6):
        if step % 6 == 0:
            notify(alice, f"graph {step}", graph_id=step + 1)
        clock.forward(minutes=10)
        before = len(smtp.messages)
        send_now()
        mailed_at += [clock.at.astimezone(ZoneInfo(zone))] * (len(smtp.messages) - before)

    # then one mail a day, none skipped or doubled, each at the hour (or, skipped, when the clocks land)
    assert len(smtp.to(alice.email)) == len(mailed_at) == 4, mailed_at
    assert len({moment.date() for moment in mailed_at}) == 4
    assert all(moment.hour in (hour, hour + 1) and moment.minute < 10 for moment in mailed_at), mailed_at
    assert [moment.hour for moment in mailed_at].count(hour + 1) <= 1  # the skipped hour's landing, if any


def test_a_refusal_for_now_brings_a_weekly_digest_back_at_its_retry_and_a_stop_keeps_the_schedule(
        smtp, clock, make_user, browser_for, settings):
    # given alice and bob weekly on Tuesday at 08:00 in Paris, each with something new
    settings.DIGEST_RETRY_MINUTES = 5
    alice, bob = make_user("alice"), make_user("bob")
    for user in (alice, bob):
        update_preferences(user, digest_every="weekly", digest_weekday=1, digest_hour=8, time_zone="Europe/Paris")
        notify(user, "kinase map")
    smtp.handler.refused_addresses[alice.email] = "451 4.2.1 Mailbox busy, try later"
    smtp.handler.refused_addresses[bob.email] = "550 5.1.1 No such user"

    # when their hour comes and the server refuses alice's mail for now and bob's for good
    clock.set(datetime(2026, 12, 8, 7, 0, 30, tzinfo=UTC))
    send_now()

    # then alice's next try is at her retry, five minutes on, not next Tuesday; bob's is next Tuesday's slot
    assert next_digest_shown(browser_for, alice) == "Tue 8 Dec, 08:05 (Europe/Paris)"
    assert next_digest_shown(browser_for, bob) == "Tue 15 Dec, 08:00 (Europe/Paris)"
    del smtp.handler.refused_addresses[alice.email]
    clock.set(datetime(2026, 12, 8, 7, 5, 40, tzinfo=UTC))
    send_now()
    assert (len(smtp.to(alice.email)), len(smtp.to(bob.email))) == (1, 0)
    assert next_digest_shown(browser_for, alice) == "Tue 15 Dec, 08:00 (Europe/Paris)"
