"""Snooze over the API: by a choice or a date and time in a zone, the state=snoozed list, waking, refusals, the schema."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from tests.api.helpers import assert_error
from tests.support.events import graph_event
from web.notifications.actions import wake_due
from web.notifications.delivery import deliver
from web.notifications.models import Notification

pytestmark = pytest.mark.django_db

URL = "/api/v1/notifications/"


def notify(user, name: str, graph_id: int) -> int:
    [delivered] = deliver(graph_event(user, name, to=[user], graph_id=graph_id))
    return delivered.notification_id


def ids(client, query: str = "") -> list[int]:
    return [n["id"] for n in client.get(f"{URL}{query}").json()["results"]]


def test_snoozed_until_tomorrow_morning_in_a_zone_leaves_the_inbox_and_comes_back_unread(make_user, api_as):
    alice = make_user("alice")
    first, second = notify(alice, "Kinase map", 1), notify(alice, "Yeast PPI", 2)
    client = api_as(alice)

    answer = client.post(f"{URL}{first}/snooze/", {"until": "morning", "zone": "America/New_York"}, format="json")

    assert answer.status_code == 200
    body = answer.json()
    until = timezone.datetime.fromisoformat(body["snoozed_until"]).astimezone(ZoneInfo("America/New_York"))
    assert (until.hour, until.minute) == (8, 0) and body["read_at"] is not None
    assert ids(client) == [second] and ids(client, "?state=snoozed") == [first]
    assert client.get(f"{URL}unread-count/").json()["unread"] == 1

    wake_due(timezone.now() + timedelta(days=2))
    assert ids(client) == [second, first] and ids(client, "?state=snoozed") == []
    assert client.get(f"{URL}unread-count/").json()["unread"] == 2
    [woke] = [n for n in client.get(URL).json()["results"] if n["id"] == first]
    assert woke["snoozed_until"] is None and woke["read_at"] is None


def test_a_date_and_time_with_its_offset_and_waking_early(make_user, api_as):
    alice = make_user("alice")
    first = notify(alice, "Kinase map", 1)
    client = api_as(alice)
    moment = (timezone.now() + timedelta(hours=5)).replace(microsecond=0)
    answer = client.post(f"{URL}{first}/snooze/", {"at": moment.isoformat()}, format="json")
    assert answer.status_code == 200
    assert timezone.datetime.fromisoformat(answer.json()["snoozed_until"]) == moment

    woke = client.post(f"{URL}{first}/wake/")
    assert woke.status_code == 200
    assert woke.json()["snoozed_until"] is None and woke.json()["read_at"] is None
    assert ids(client, "?state=unread") == [first]


@pytest.mark.parametrize(("body", "field", "words"), [
    ({"at": "2020-01-01T08:00", "zone": "Europe/Paris"}, "at", "That time has passed"),
    ({"until": "hour", "zone": "Mars/Olympus_Mons"}, "zone", "not a time zone Beacon knows"),
    ({"at": "2027-03-28T02:30", "zone": "Europe/Paris"}, "at", "the clocks go forward"),
    ({"at": "2099-01-01T08:00"}, "at", "within a year"),
    ({"until": "someday"}, "until", ""),
    ({}, "until", "give one of until and at"),
    ({"until": "hour", "at": "2030-01-01T08:00"}, "until", "give one of until and at"),
    ({"until": "hour", "colour": "blue"}, None, ""),
])
def test_a_snooze_that_cannot_be_is_a_400_naming_the_field_and_nothing_changes(make_user, api_as, body, field, words):
    alice = make_user("alice")
    first = notify(alice, "Kinase map", 1)
    answer = api_as(alice).post(f"{URL}{first}/snooze/", body, format="json")
    error = assert_error(answer, 400)
    if field:
        assert words in " ".join(error["fields"][field])
    stored = Notification.objects.get(pk=first)
    assert (stored.snoozed_until, stored.read_at) == (None, None)


def test_someone_elses_notification_is_a_404_to_snooze_or_wake(make_user, api_as):
    alice, bob = make_user("alice"), make_user("bob")
    bobs = notify(bob, "Kinase map", 1)
    client = api_as(alice)
    assert_error(client.post(f"{URL}{bobs}/snooze/", {"until": "hour"}, format="json"), 404, "not_found")
    api_as(bob).post(f"{URL}{bobs}/snooze/", {"until": "hour"}, format="json")
    assert_error(client.post(f"{URL}{bobs}/wake/"), 404, "not_found")
    assert Notification.objects.get(pk=bobs).snoozed_until is not None


def test_a_saved_time_zone_is_where_a_snooze_falls_and_a_bad_one_is_refused(make_user, api_as):
    alice = make_user("alice")
    client = api_as(alice)
    assert_error(client.patch("/api/v1/preferences/", {"time_zone": "Nowhere/Land"}, format="json"), 400)
    assert client.patch("/api/v1/preferences/", {"time_zone": "Asia/Tokyo"}, format="json").json()["time_zone"] \
        == "Asia/Tokyo"
    first = notify(alice, "Kinase map", 1)
    until = client.post(f"{URL}{first}/snooze/", {"until": "week"}, format="json").json()["snoozed_until"]
    local = timezone.datetime.fromisoformat(until).astimezone(ZoneInfo("Asia/Tokyo"))
    assert (local.weekday(), local.hour) == (0, 8)


def test_the_schema_documents_snooze_wake_the_field_and_the_state(make_user, api_as):
    schema = api_as(make_user("alice")).get("/api/v1/schema/?format=json").json()
    for action in ("snooze", "wake"):
        assert "post" in schema["paths"][f"/api/v1/notifications/{{id}}/{action}/"]
    snooze_body = schema["components"]["schemas"]["SnoozeInputRequest"]["properties"]
    assert set(snooze_body) == {"until", "at", "zone"}
    assert schema["components"]["schemas"]["Notification"]["properties"]["snoozed_until"]["nullable"] is True
    assert "time_zone" in schema["components"]["schemas"]["Preferences"]["properties"]
