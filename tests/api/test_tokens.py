"""Named API tokens through the API: list, create, revoke; their last use; keys from before named tokens."""

import datetime
import importlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.api.helpers import assert_error
from web.api.models import ApiToken
from web.api.tokens import LAST_USED_PRECISION, MAX_TOKENS_PER_USER, hash_key

pytestmark = pytest.mark.django_db


def with_key(key: str, scheme: str = "Token") -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"{scheme} {key}")
    return client


def test_she_creates_named_tokens_lists_them_without_keys_and_revokes_one(make_user, api_as):
    # given alice with the token her tests use
    alice = make_user("alice")
    api = api_as(alice)

    # when she creates "laptop script"
    answer = api.post("/api/v1/tokens/", {"name": "laptop script"}, format="json")

    # then she gets its key once, which works as Token and as Bearer
    assert answer.status_code == 201
    created = answer.json()
    assert created["name"] == "laptop script" and created["last_used_at"] is None
    key = created["key"]
    assert key.startswith("bcn_")
    assert with_key(key).get("/api/v1/notifications/unread-count/").status_code == 200
    assert with_key(key, "Bearer").get("/api/v1/notifications/unread-count/").status_code == 200
    # and the list shows both tokens, newest first, with no key, and only the hash is stored
    listed = api.get("/api/v1/tokens/").json()
    assert [t["name"] for t in listed] == ["laptop script", "tests"]
    assert all(set(t) == {"id", "name", "created", "last_used_at"} for t in listed)
    assert ApiToken.objects.get(pk=created["id"]).key_hash == hash_key(key)
    assert not ApiToken.objects.filter(key_hash=key).exists()

    # when she revokes it
    assert api.delete(f"/api/v1/tokens/{created['id']}/").status_code == 204

    # then it is refused at once, and the list has the other only
    assert_error(with_key(key).get("/api/v1/notifications/unread-count/"), 401, "authentication_failed")
    assert [t["name"] for t in api.get("/api/v1/tokens/").json()] == ["tests"]


def test_someone_elses_token_is_not_found_and_stands(make_user, api_as):
    alice, bob = make_user("alice"), make_user("bob")
    alices = api_as(alice).post("/api/v1/tokens/", {"name": "laptop script"}, format="json").json()

    assert_error(api_as(bob).delete(f"/api/v1/tokens/{alices['id']}/"), 404, "not_found")
    assert "laptop script" not in [t["name"] for t in api_as(bob).get("/api/v1/tokens/").json()]
    assert with_key(alices["key"]).get("/api/v1/notifications/unread-count/").status_code == 200


def test_a_name_is_needed_and_one_per_token(make_user, api_as):
    api = api_as(make_user("alice"))
    body = assert_error(api.post("/api/v1/tokens/", {"name": "tests"}, format="json"), 400, "invalid")
    assert body["fields"] == {"name": ["You already have a token named “tests”: choose another name."]}
    assert assert_error(api.post("/api/v1/tokens/", {}, format="json"), 400, "invalid")["fields"]["name"]
    body = assert_error(api.post("/api/v1/tokens/", {"name": "a\u202eb"}, format="json"), 400, "invalid")
    assert "U+202E" in body["fields"]["name"][0]


def test_at_most_twenty_tokens_and_the_answer_says_what_to_do(make_user, api_as):
    api = api_as(make_user("alice"))  # one: "tests"
    for n in range(MAX_TOKENS_PER_USER - 1):
        assert api.post("/api/v1/tokens/", {"name": f"script {n}"}, format="json").status_code == 201

    body = assert_error(api.post("/api/v1/tokens/", {"name": "one more"}, format="json"), 400, "invalid")

    assert body["fields"]["name"] == [f"You have {MAX_TOKENS_PER_USER} tokens, the most Beacon keeps for one "
                                      "person: revoke one you no longer use to create another."]
    assert len(api.get("/api/v1/tokens/").json()) == MAX_TOKENS_PER_USER


def test_last_used_is_noted_but_written_at_most_once_a_minute(make_user, api_as):
    # given alice's new script token, never used
    alice = make_user("alice")
    created = api_as(alice).post("/api/v1/tokens/", {"name": "laptop script"}, format="json").json()
    script = with_key(created["key"])

    # when the script makes a request
    before = timezone.now()
    script.get("/api/v1/notifications/unread-count/")

    # then the token shows it was just used
    first_use = ApiToken.objects.get(pk=created["id"]).last_used_at
    assert first_use is not None and first_use >= before

    # when it makes five more within the minute
    with CaptureQueriesContext(connection) as queries:
        for _ in range(5):
            script.get("/api/v1/notifications/unread-count/")

    # then none wrote the token's row
    assert not [q for q in queries.captured_queries if q["sql"].startswith('UPDATE "api_apitoken"')]
    assert ApiToken.objects.get(pk=created["id"]).last_used_at == first_use

    # when the last use is more than a minute old, the next request notes it again, and the list shows it
    ApiToken.objects.filter(pk=created["id"]).update(last_used_at=first_use - LAST_USED_PRECISION
                                                     - datetime.timedelta(seconds=1))
    script.get("/api/v1/notifications/unread-count/")
    noted = ApiToken.objects.get(pk=created["id"]).last_used_at
    assert noted >= before
    [listed] = [t for t in script.get("/api/v1/tokens/").json() if t["id"] == created["id"]]
    assert listed["last_used_at"] is not None


def test_an_inactive_users_token_is_refused(make_user):
    alice = make_user("alice")
    key = APIClient().post("/api/v1/auth/token/", {"username": alice.username, "password": "alice"},
                           format="json").json()["token"]
    alice.is_active = False
    alice.save()
    assert_error(with_key(key).get("/api/v1/notifications/unread-count/"), 401, "authentication_failed")


def test_a_key_from_before_named_tokens_works_after_the_migration_as_the_token_named_token(make_user):
    # given alice's DRF authtoken key, as it was before this change
    alice = make_user("alice")
    old = Token.objects.create(user=alice)
    made = old.created

    # when the data migration runs
    migration = importlib.import_module("web.api.migrations.0003_keys_from_authtoken")
    from django.apps import apps
    migration.keys_to_named_tokens(apps, None)

    # then that key still opens the API, as her token "Token", made when the old one was,
    # and the plain key is no longer stored
    assert with_key(old.key).get("/api/v1/notifications/unread-count/").status_code == 200
    [token] = ApiToken.objects.filter(user=alice)
    assert (token.name, token.created, token.key_hash) == ("Token", made, hash_key(old.key))
    assert not Token.objects.exists()


def test_the_schema_documents_the_tokens_endpoints_and_how_to_send_a_token():
    schema = APIClient().get("/api/v1/schema/?format=json").json()
    assert {"get", "post"} <= set(schema["paths"]["/api/v1/tokens/"])
    assert "delete" in schema["paths"]["/api/v1/tokens/{id}/"]
    scheme = schema["components"]["securitySchemes"]["tokenAuth"]
    assert (scheme["in"], scheme["name"]) == ("header", "Authorization") and "Bearer <key>" in scheme["description"]
    assert {"tokenAuth": []} in schema["paths"]["/api/v1/tokens/"]["get"]["security"]
