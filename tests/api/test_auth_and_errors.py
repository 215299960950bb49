"""Who may call the API, and how every error answers: {"error", "detail"} with the right status."""

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from tests.api.helpers import assert_error

pytestmark = pytest.mark.django_db


def test_without_credentials_the_api_answers_401_with_a_token_challenge():
    answer = APIClient().get("/api/v1/notifications/")
    assert_error(answer, 401, "not_authenticated")
    assert answer["WWW-Authenticate"] == "Token"


def test_a_wrong_token_is_refused():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert_error(client.get("/api/v1/notifications/"), 401, "authentication_failed")


def test_a_token_from_username_and_password_opens_the_api(make_user):
    # given Alice's username and password
    alice = make_user("alice")
    client = APIClient()

    # when she asks for a token
    answer = client.post("/api/v1/auth/token/", {"username": alice.username, "password": "alice"}, format="json")

    # then it works as her credentials, a token named "auth/token/"
    assert answer.status_code == 200
    token = answer.json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/notifications/unread-count/").status_code == 200
    assert [t["name"] for t in client.get("/api/v1/tokens/").json()] == ["auth/token/"]

    # when she asks again, as a script does at each run
    again = APIClient().post("/api/v1/auth/token/", {"username": alice.username, "password": "alice"}, format="json")

    # then she gets a new key that replaces that token: the first is refused, she still has one token
    assert again.status_code == 200 and again.json()["token"] != token
    assert client.get("/api/v1/notifications/unread-count/").status_code == 401
    client.credentials(HTTP_AUTHORIZATION=f"Token {again.json()['token']}")
    assert [t["name"] for t in client.get("/api/v1/tokens/").json()] == ["auth/token/"]


def test_a_token_from_username_and_password_may_be_named_and_leaves_her_other_tokens(make_user, api_as):
    # given alice with a token for her lab server
    alice = make_user("alice")
    server = api_as(alice)

    # when her laptop script logs in naming its token
    answer = APIClient().post("/api/v1/auth/token/", {"username": alice.username, "password": "alice",
                                                      "name": "laptop script"}, format="json")

    # then she has both, and the server's still works
    assert answer.status_code == 200
    assert sorted(t["name"] for t in server.get("/api/v1/tokens/").json()) == ["laptop script", "tests"]


def test_a_wrong_password_gets_no_token(make_user):
    alice = make_user("alice")
    answer = APIClient().post("/api/v1/auth/token/", {"username": alice.username, "password": "bob"}, format="json")
    assert assert_error(answer, 400, "invalid")["detail"] == "wrong username or password"


def test_a_session_works_but_a_post_without_the_csrf_token_is_refused(make_user):
    # given Alice logged in with a browser session
    alice = make_user("alice")
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(alice)

    # then reading works, and a POST without the CSRF token is refused
    assert client.get("/api/v1/notifications/").status_code == 200
    body = assert_error(client.post("/api/v1/notifications/read-all/"), 403, "permission_denied")
    assert "CSRF" in body["detail"]

    # and with the token from the cookie it goes through
    client.cookies["csrftoken"] = "a" * 32
    assert client.post("/api/v1/notifications/read-all/", HTTP_X_CSRFTOKEN="a" * 32).status_code == 200


def test_a_malformed_json_body_is_a_parse_error(make_user, api_as):
    answer = api_as(make_user("alice")).post("/api/v1/groups/", data='{"name": ', content_type="application/json")
    assert_error(answer, 400, "parse_error")


@pytest.mark.parametrize("body", ['{"name": "a\\u0000b"}', '{"name": "\\ud800"}', '{"name": NaN}'])
def test_text_postgresql_cannot_store_is_a_parse_error(make_user, api_as, body):
    answer = api_as(make_user("alice")).post("/api/v1/groups/", data=body, content_type="application/json")
    assert_error(answer, 400, "parse_error")


def test_a_form_body_is_an_unsupported_media_type(make_user, api_as):
    answer = api_as(make_user("alice")).post("/api/v1/groups/", data="name=Lab",
                                              content_type="application/x-www-form-urlencoded")
    assert_error(answer, 415, "unsupported_media_type")


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_a_body_past_the_size_limit_is_413(make_user, api_as):
    answer = api_as(make_user("alice")).post("/api/v1/groups/", {"name": "x" * 2000}, format="json")
    assert_error(answer, 413, "request_too_big")


def test_an_unknown_url_under_the_api_is_a_json_404(make_user, api_as):
    client = api_as(make_user("alice"))
    assert_error(client.get("/api/v1/nothing-here/"), 404, "not_found")
    assert "end with a slash" in assert_error(client.get("/api/v1/groups"), 404)["detail"]


def test_a_method_an_endpoint_does_not_have_is_405(make_user, api_as):
    answer = api_as(make_user("alice")).delete("/api/v1/notifications/")
    assert_error(answer, 405, "method_not_allowed")
    assert "GET" in answer["Allow"]


def test_the_schema_and_its_docs_are_served_without_a_cdn():
    schema = APIClient().get("/api/v1/schema/?format=json")
    assert schema.status_code == 200 and schema.json()["openapi"].startswith("3.")
    for page in ("/api/v1/docs/", "/api/v1/redoc/"):
        html = APIClient().get(page).content.decode()
        assert "/api/v1/docs/assets/" in html and "cdn" not in html.lower()
    asset = APIClient().get("/api/v1/docs/assets/swagger-ui-dist/swagger-ui-bundle.js")
    assert asset.status_code == 200
