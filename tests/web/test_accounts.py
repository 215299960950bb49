import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed

from tests.web.conftest import page_text

pytestmark = pytest.mark.django_db


def checkbox_checked(html: str, name: str) -> bool:
    [tag] = re.findall(rf'<input[^>]*name="{name}"[^>]*>', html)
    return "checked" in tag


def test_signing_up_lands_logged_in_on_the_graphs_page():
    # given someone new at the sign-up page
    browser = Client()
    assert "Sign up" in page_text(browser.get("/accounts/signup/"))

    # when they sign up
    response = browser.post("/accounts/signup/", {
        "username": "dora", "email": "dora@example.org",
        "password1": "a long pass phrase", "password2": "a long pass phrase"}, follow=True)

    # then they are on the graphs page, logged in as dora
    assert response.redirect_chain[-1][0] == "/"
    html = page_text(response)
    assert "Graphs you can see" in html and 'title="Logged in as dora"' in html and "Log out" in html
    assert get_user_model().objects.get(username="dora").email == "dora@example.org"


def test_sign_up_with_passwords_that_differ_is_refused():
    response = Client().post("/accounts/signup/", {
        "username": "dora", "email": "dora@example.org", "password1": "a long pass phrase", "password2": "another"})

    assert response.status_code == 400
    assert "The two password fields didn" in page_text(response)
    assert not get_user_model().objects.filter(username="dora").exists()


def test_preferences_are_saved_and_shown(make_user, browser_for):
    # given alice, who has never changed her preferences: everything is on
    alice = make_user("alice")
    browser = browser_for(alice)
    html = page_text(browser.get("/accounts/profile/"))
    assert "An off kind is not stored for you at all" in html
    assert all(checkbox_checked(html, name) for name in ("app_owner", "app_group", "mail_watching", "digest"))

    # when she turns group notifications off in the app and the digest off altogether
    response = browser.post("/accounts/profile/preferences/", {
        "app_owner": "on", "app_watching": "on", "mail_owner": "on", "mail_group": "on", "mail_watching": "on"})

    # then her profile shows exactly that
    assert response.status_code == 302
    html = page_text(browser.get(response["Location"]))
    assert not checkbox_checked(html, "app_group") and not checkbox_checked(html, "digest")
    assert checkbox_checked(html, "app_owner") and checkbox_checked(html, "mail_group")


def test_a_token_is_shown_once_authenticates_and_can_be_revoked(make_user, browser_for):
    # given alice without a token
    alice = make_user("alice")
    browser = browser_for(alice)
    assert "You have no API token." in page_text(browser.get("/accounts/profile/"))

    # when she creates one
    html = page_text(browser.post("/accounts/profile/token/", follow=True))

    # then the page shows its key, which authenticates her
    key = re.search(r'<code class="key" id="new-token">([0-9a-f]+)</code>', html).group(1)
    user, _ = TokenAuthentication().authenticate_credentials(key)
    assert user == alice
    # and a later visit says she has one, without showing the key again
    html = page_text(browser.get("/accounts/profile/"))
    assert "You have a token" in html and key not in html

    # when she revokes it
    response = browser.post("/accounts/profile/token/revoke/", follow=True)

    # then it no longer authenticates, and the page says so
    assert "You have no API token." in page_text(response)
    assert not Token.objects.filter(user=alice).exists()
    with pytest.raises(AuthenticationFailed):
        TokenAuthentication().authenticate_credentials(key)


def test_creating_a_token_again_replaces_the_first(make_user, browser_for):
    alice = make_user("alice")
    browser = browser_for(alice)
    first, second = (re.search(r'id="new-token">([0-9a-f]+)<',
                               page_text(browser.post("/accounts/profile/token/", follow=True))).group(1)
                     for _ in range(2))

    assert first != second
    assert list(Token.objects.filter(user=alice).values_list("key", flat=True)) == [second]
