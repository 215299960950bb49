"""Notification preferences over the API."""

from datetime import datetime, timezone

import pytest
from django.utils import timezone as django_timezone

from tests.api.helpers import assert_error
from web.accounts.preferences import preferences_of

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 12, 7, 14, 30, tzinfo=timezone.utc)  # a Monday

ALL_ON = {"app_owner": True, "app_group": True, "app_watching": True, "mail_owner": True, "mail_group": True,
          "mail_watching": True, "digest": True, "count_own_actions": False, "time_zone": "",
          "digest_every": "hourly", "digest_hour": 8, "digest_weekday": "monday",
          "digest_next_at": "2026-12-07T15:00:00Z", "muted_groups": []}


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    monkeypatch.setattr(django_timezone, "now", lambda: NOW)


def test_everything_is_on_until_changed_and_a_patch_changes_only_what_it_names(make_user, api_as):
    alice = make_user("alice")
    client = api_as(alice)
    assert client.get("/api/v1/preferences/").json() == ALL_ON

    answer = client.patch("/api/v1/preferences/", {"digest": False, "app_watching": False}, format="json")

    assert answer.status_code == 200
    assert answer.json() == {**ALL_ON, "digest": False, "app_watching": False, "digest_next_at": None}
    assert client.get("/api/v1/preferences/").json() == answer.json()
    assert preferences_of(alice).in_app("watching") is False


def test_unknown_or_non_boolean_fields_are_refused(make_user, api_as):
    client = api_as(make_user("alice"))
    assert assert_error(client.patch("/api/v1/preferences/", {"sms": True}, format="json"), 400)["fields"] \
        == {"sms": ["unknown field"]}
    assert list(assert_error(client.patch("/api/v1/preferences/", {"digest": "often"}, format="json"),
                             400)["fields"]) == ["digest"]
    assert client.get("/api/v1/preferences/").json() == ALL_ON


def test_the_digest_schedule_is_read_and_changed_and_the_next_moment_follows_it(make_user, api_as):
    # given alice, hourly by default
    alice = make_user("alice")
    client = api_as(alice)

    # when she asks for a weekly digest on Tuesday at 08:00 in Paris
    answer = client.patch("/api/v1/preferences/", {"digest_every": "weekly", "digest_weekday": "tuesday",
                                                   "digest_hour": 8, "time_zone": "Europe/Paris"}, format="json")

    # then the next one is Tuesday 08:00 in Paris, 07:00 UTC
    assert answer.status_code == 200
    assert answer.json() == {**ALL_ON, "digest_every": "weekly", "digest_weekday": "tuesday", "digest_hour": 8,
                             "time_zone": "Europe/Paris", "digest_next_at": "2026-12-08T07:00:00Z"}
    # and off keeps the schedule, with no next moment, and on again brings it back
    assert client.patch("/api/v1/preferences/", {"digest": False}, format="json").json()["digest_next_at"] is None
    back = client.patch("/api/v1/preferences/", {"digest": True}, format="json").json()
    assert (back["digest_every"], back["digest_next_at"]) == ("weekly", "2026-12-08T07:00:00Z")


@pytest.mark.parametrize("change, field", [
    ({"digest_every": "monthly"}, "digest_every"), ({"digest_every": "off"}, "digest_every"),
    ({"digest_hour": 24}, "digest_hour"), ({"digest_hour": -1}, "digest_hour"), ({"digest_hour": "8am"}, "digest_hour"),
    ({"digest_weekday": "someday"}, "digest_weekday"), ({"digest_weekday": 1}, "digest_weekday"),
])
def test_a_schedule_that_cannot_be_is_refused_naming_its_field(make_user, api_as, change, field):
    client = api_as(make_user("alice"))
    error = assert_error(client.patch("/api/v1/preferences/", change, format="json"), 400)
    assert list(error["fields"]) == [field] and error["fields"][field][0]
    assert client.get("/api/v1/preferences/").json() == ALL_ON


def test_the_schema_documents_the_schedule_fields(api_as, make_user):
    schema = api_as(make_user("alice")).get("/api/v1/schema/", {"format": "json"}).json()
    components = schema["components"]["schemas"]
    fields = components["Preferences"]["properties"]

    def enum(field) -> list:  # (a choice's values are a component of their own, referred to)
        ref = field.get("$ref") or field["allOf"][0]["$ref"]
        return components[ref.rsplit("/", 1)[1]]["enum"]

    assert enum(fields["digest_every"]) == ["hourly", "daily", "weekly"]
    assert (fields["digest_hour"]["minimum"], fields["digest_hour"]["maximum"]) == (0, 23)
    assert enum(fields["digest_weekday"])[0] == "monday"
    assert "time_zone" in fields["digest_every"]["description"]
    assert fields["digest_next_at"]["readOnly"] is True and fields["digest_next_at"]["nullable"] is True
