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
    assert all(checkbox_checked(html, name) for name in ("app_owner", "app_group", "mail_watching"))
    assert radio_chosen(html, "digest_schedule") == "hourly"

    # when she turns group notifications off in the app and the digest off altogether
    response = browser.post("/accounts/profile/preferences/", {
        "app_owner": "on", "app_watching": "on", "mail_owner": "on", "mail_group": "on", "mail_watching": "on",
        "digest_schedule": "off", "digest_hour": "8", "digest_weekday": "0"})

    # then her profile shows exactly that
    assert response.status_code == 302
    html = page_text(browser.get(response["Location"]))
    assert not checkbox_checked(html, "app_group") and radio_chosen(html, "digest_schedule") == "off"
    assert checkbox_checked(html, "app_owner") and checkbox_checked(html, "mail_group")
    assert "Next digest: <strong>Off</strong>" in html


def radio_chosen(html: str, name: str) -> str:
    """The value of the chosen radio button of that name."""
    [tag] = [tag for tag in re.findall(rf'<input[^>]*name="{name}"[^>]*>', html) if "checked" in tag]
    return re.search(r'value="([^"]*)"', tag).group(1)


def selected(html: str, name: str) -> str:
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return re.search(r'<option value="([^"]*)"[^>]*selected', select).group(1)


def test_the_digest_schedule_is_chosen_in_a_fieldset_and_the_page_says_when_the_next_comes(
        make_user, browser_for, monkeypatch):
    from datetime import datetime, timezone

    from django.utils import timezone as django_timezone

    monkeypatch.setattr(django_timezone, "now", lambda: datetime(2026, 12, 7, 14, 30, tzinfo=timezone.utc))  # Mon
    # given alice at her profile: the schedule is one labelled group of radio buttons, and two labelled selects
    alice = make_user("alice")
    browser = browser_for(alice)
    html = page_text(browser.get("/accounts/profile/"))
    fieldset = re.search(r'<fieldset class="digest-schedule".*?</fieldset>', html, re.S).group(0)
    assert "<legend>Email digest</legend>" in fieldset
    for value, words in (("off", "Off"), ("hourly", "Hourly, on the hour"), ("daily", "Daily, at the hour below"),
                         ("weekly", "Weekly, on the day and at the hour below")):
        [radio_id] = re.findall(rf'<input type="radio" name="digest_schedule" value="{value}"[^>]*id="([^"]+)"',
                                fieldset)
        assert re.search(rf'<label for="{radio_id}">\s*<input[^>]*>\s*{words}</label>', fieldset), value
    for name, words in (("digest_hour", "Hour (daily and weekly)"), ("digest_weekday", "Day (weekly)")):
        assert re.search(rf'<label for="id_{name}">{re.escape(words)}</label>\s*<select name="{name}"', fieldset)
    assert "Next digest: <strong>Mon 7 Dec, 15:00 (UTC)</strong>" in fieldset  # hourly, the server's zone

    # when she chooses weekly on Tuesday at 08:00, in Paris
    form = {"digest_schedule": "weekly", "digest_hour": "8", "digest_weekday": "1", "time_zone": "Europe/Paris"}
    response = browser.post("/accounts/profile/preferences/", form)

    # then the page keeps her choice and says when the next one comes, in her zone
    assert response.status_code == 302
    html = page_text(browser.get(response["Location"]))
    assert radio_chosen(html, "digest_schedule") == "weekly"
    assert (selected(html, "digest_hour"), selected(html, "digest_weekday")) == ("8", "1")
    assert "Next digest: <strong>Tue 8 Dec, 08:00 (Europe/Paris)</strong>" in html

    # and off, then on again daily, keeps the hour
    browser.post("/accounts/profile/preferences/", {**form, "digest_schedule": "off"})
    assert "Next digest: <strong>Off</strong>" in page_text(browser.get("/accounts/profile/"))
    browser.post("/accounts/profile/preferences/", {**form, "digest_schedule": "daily"})
    assert "Next digest: <strong>Tue 8 Dec, 08:00 (Europe/Paris)</strong>" in page_text(
        browser.get("/accounts/profile/"))

    # and an hour or a schedule that cannot be is refused, said beside its field, nothing saved
    for field, value in (("digest_hour", "24"), ("digest_schedule", "monthly"), ("digest_weekday", "7")):
        refused = browser.post("/accounts/profile/preferences/", {**form, field: value})
        assert refused.status_code == 400
        assert "Select a valid choice." in page_text(refused)
    assert "Next digest: <strong>Tue 8 Dec, 08:00 (Europe/Paris)</strong>" in page_text(
        browser.get("/accounts/profile/"))


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
