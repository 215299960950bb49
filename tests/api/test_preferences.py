"""Notification preferences over the API."""

import pytest

from tests.api.helpers import assert_error
from web.accounts.preferences import preferences_of

pytestmark = pytest.mark.django_db

ALL_ON = {"app_owner": True, "app_group": True, "app_watching": True, "mail_owner": True, "mail_group": True,
          "mail_watching": True, "digest": True, "count_own_actions": False, "time_zone": "", "muted_groups": []}


def test_everything_is_on_until_changed_and_a_patch_changes_only_what_it_names(make_user, api_as):
    alice = make_user("alice")
    client = api_as(alice)
    assert client.get("/api/v1/preferences/").json() == ALL_ON

    answer = client.patch("/api/v1/preferences/", {"digest": False, "app_watching": False}, format="json")

    assert answer.status_code == 200
    assert answer.json() == {**ALL_ON, "digest": False, "app_watching": False}
    assert client.get("/api/v1/preferences/").json() == answer.json()
    assert preferences_of(alice).in_app("watching") is False


def test_unknown_or_non_boolean_fields_are_refused(make_user, api_as):
    client = api_as(make_user("alice"))
    assert assert_error(client.patch("/api/v1/preferences/", {"sms": True}, format="json"), 400)["fields"] \
        == {"sms": ["unknown field"]}
    assert list(assert_error(client.patch("/api/v1/preferences/", {"digest": "often"}, format="json"),
                             400)["fields"]) == ["digest"]
    assert client.get("/api/v1/preferences/").json() == ALL_ON
