"""Login throttling: too many failed logins lock a username, or an address, out of the page and the token endpoint.

The limit is made 3 here (settings.LOGIN_FAILURES_LIMIT, 10 by default); the
cool-off is passed by moving the failures' times back, not by waiting.
"""

import uuid

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import F
from django.test import Client, override_settings
from rest_framework.test import APIClient

from tests.api.helpers import assert_error
from tests.web.conftest import page_text

pytestmark = pytest.mark.django_db

LIMIT = 3
LOCKOUT = "Too many failed logins: try again in 15 minutes."


@pytest.fixture(autouse=True)
def limit_of_three():
    with override_settings(AXES_FAILURE_LIMIT=LIMIT):
        yield


def an_address() -> str:
    """An address of this test's own (the test client's default, 127.0.0.1, is every test's)."""
    return f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250 + 1}"


def log_in_page(username: str, password: str, address: str, **headers):
    return Client(REMOTE_ADDR=address).post("/accounts/login/", {"username": username, "password": password},
                                            **headers)


def ask_token(username: str, password: str, address: str, **headers):
    return APIClient(REMOTE_ADDR=address).post("/api/v1/auth/token/", {"username": username, "password": password},
                                               format="json", **headers)


def assert_locked_page(answer) -> None:
    assert answer.status_code == 429
    html = page_text(answer)
    assert f'<p class="error" role="alert" id="login-lockout">{LOCKOUT}</p>' in html
    assert "<h1>Log in</h1>" in html  # the login page's own, with its form
    assert 890 <= int(answer["Retry-After"]) <= 900


def assert_locked_api(answer) -> None:
    body = assert_error(answer, 429, "too_many_failed_logins")
    assert body["detail"] == LOCKOUT
    assert 890 <= int(answer["Retry-After"]) <= 900


def pass_the_cool_off() -> None:
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - settings.AXES_COOLOFF_TIME)


def test_wrong_passwords_lock_the_login_page_even_for_the_right_one(make_user):
    # given Alice, and someone trying passwords for her
    alice, address = make_user("alice"), an_address()
    for _ in range(LIMIT - 1):
        answer = log_in_page(alice.username, "guess", address)
        assert answer.status_code == 200 and "Please enter a correct username and password" in page_text(answer)

    # when the last allowed wrong one is tried, then the right one
    last = log_in_page(alice.username, "guess", address)
    right = log_in_page(alice.username, "alice", address)

    # then both get the login page with when to try again, and no session
    assert_locked_page(last)
    assert_locked_page(right)
    assert "sessionid" not in right.cookies or not right.cookies["sessionid"].value


def test_wrong_passwords_lock_the_token_endpoint_even_for_the_right_one(make_user):
    alice, address = make_user("alice"), an_address()
    for _ in range(LIMIT - 1):
        assert_error(ask_token(alice.username, "guess", address), 400, "invalid")

    assert_locked_api(ask_token(alice.username, "guess", address))
    assert_locked_api(ask_token(alice.username, "alice", address))


def test_page_and_api_failures_count_together(make_user):
    alice, address = make_user("alice"), an_address()
    for _ in range(LIMIT - 1):
        log_in_page(alice.username, "guess", address)
    assert_locked_api(ask_token(alice.username, "guess", address))
    assert_locked_page(log_in_page(alice.username, "alice", address))


def test_one_address_trying_many_usernames_is_locked_out(make_user):
    # given one address that tried a wrong password for each of three people
    alice, address = make_user("alice"), an_address()
    for name in ("bob", "carol"):
        log_in_page(f"{name}-{uuid.uuid4().hex[:6]}", "guess", address)
    assert_locked_api(ask_token(f"dave-{uuid.uuid4().hex[:6]}", "guess", address))

    # then Alice cannot log in from there, but can from elsewhere
    assert_locked_page(log_in_page(alice.username, "alice", address))
    assert log_in_page(alice.username, "alice", an_address()).status_code == 302


def test_one_username_tried_from_many_addresses_is_locked_out(make_user):
    alice = make_user("alice")
    for _ in range(LIMIT - 1):
        log_in_page(alice.username, "guess", an_address())
    assert_locked_page(log_in_page(alice.username, "guess", an_address()))

    # the right password from yet another address is refused, on the page and the API
    assert_locked_page(log_in_page(alice.username, "alice", an_address()))
    assert_locked_api(ask_token(alice.username, "alice", an_address()))
    # while Bob, at an address of his own, logs in as usual
    bob = make_user("bob")
    assert log_in_page(bob.username, "bob", an_address()).status_code == 302


def test_after_the_cool_off_the_right_password_works_again(make_user):
    alice, address = make_user("alice"), an_address()
    for _ in range(LIMIT):
        log_in_page(alice.username, "guess", address)
    assert_locked_page(log_in_page(alice.username, "alice", address))

    # when the lockout's time has passed
    pass_the_cool_off()

    # then she logs in, and gets a token
    assert log_in_page(alice.username, "alice", address).status_code == 302
    assert ask_token(alice.username, "alice", address).status_code == 200


def test_retry_after_counts_from_the_failure_that_locked():
    address = an_address()
    for _ in range(LIMIT):
        log_in_page(f"eve-{uuid.uuid4().hex[:6]}", "guess", address)
    # when the failures are ten minutes old, five minutes of the lockout are left
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - settings.AXES_COOLOFF_TIME * 2 / 3)
    answer = ask_token("anyone", "guess", address)
    assert_error(answer, 429, "too_many_failed_logins")
    assert answer.json()["detail"] == "Too many failed logins: try again in 5 minutes."
    assert 290 <= int(answer["Retry-After"]) <= 300


def test_tries_during_a_lockout_do_not_make_it_longer(make_user):
    alice, address = make_user("alice"), an_address()
    for _ in range(LIMIT):
        log_in_page(alice.username, "guess", address)
    # given a lockout five minutes old
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - settings.AXES_COOLOFF_TIME / 3)

    # when more passwords are tried
    for _ in range(5):
        assert log_in_page(alice.username, "guess", address).status_code == 429

    # then ten minutes are left, as before
    assert 590 <= int(ask_token(alice.username, "alice", address)["Retry-After"]) <= 600


def test_a_forged_x_forwarded_for_changes_nothing(make_user):
    # given the web process with no proxy declared in front (LOGIN_PROXY_COUNT=0)
    alice, address = make_user("alice"), an_address()

    # when one address sends failures each claiming another address
    for n in range(LIMIT):
        log_in_page(f"eve-{uuid.uuid4().hex[:6]}", "guess", address, HTTP_X_FORWARDED_FOR=f"203.0.113.{n + 1}")

    # then that address is locked whatever it claims, and the claimed ones are not
    assert_locked_page(log_in_page(alice.username, "alice", address, HTTP_X_FORWARDED_FOR="203.0.113.99"))
    assert log_in_page(alice.username, "alice", "203.0.113.1").status_code == 302


@override_settings(AXES_IPWARE_META_PRECEDENCE_ORDER=("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"),
                   AXES_IPWARE_PROXY_COUNT=0, IPWARE_STRICT=False)
def test_behind_one_proxy_the_address_it_saw_is_counted(make_user):
    # given one proxy in front (LOGIN_PROXY_COUNT=1), which appends the address it saw to X-Forwarded-For
    alice, proxy, client = make_user("alice"), an_address(), an_address()

    # when a client behind it fails, prefixing forged addresses of its own
    for n in range(LIMIT):
        log_in_page(f"eve-{uuid.uuid4().hex[:6]}", "guess", proxy,
                    HTTP_X_FORWARDED_FOR=f"203.0.113.{n + 1}, {client}")

    # then that client is locked out, and another behind the same proxy is not
    assert_locked_page(log_in_page(alice.username, "alice", proxy, HTTP_X_FORWARDED_FOR=client))
    assert log_in_page(alice.username, "alice", proxy, HTTP_X_FORWARDED_FOR=an_address()).status_code == 302


def test_a_successful_login_before_the_limit_forgets_the_failures(make_user):
    alice, address = make_user("alice"), an_address()
    for _ in range(LIMIT - 1):
        log_in_page(alice.username, "typo", address)
    assert ask_token(alice.username, "alice", address).status_code == 200  # the token endpoint forgets too
    for _ in range(LIMIT - 1):
        log_in_page(alice.username, "typo", address)
    assert log_in_page(alice.username, "alice", address).status_code == 302

    # so she has all her tries again
    for _ in range(LIMIT - 1):
        assert log_in_page(alice.username, "typo", address).status_code == 200
    assert log_in_page(alice.username, "alice", address).status_code == 302


def test_logging_in_to_ones_own_account_does_not_forget_guesses_at_another(make_user):
    # given Mallory, with an account of her own, guessing Alice's password from her address
    alice, mallory, address = make_user("alice"), make_user("mallory"), an_address()
    for _ in range(LIMIT - 1):
        log_in_page(alice.username, "guess", address)

    # when she logs in as herself between guesses
    assert log_in_page(mallory.username, "mallory", address).status_code == 302

    # then her next guess still locks Alice's account
    assert_locked_page(log_in_page(alice.username, "guess", address))
    assert_locked_api(ask_token(alice.username, "alice", an_address()))
