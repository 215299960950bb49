import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from rest_framework.test import APIClient

from tests.web.conftest import page_text
from web.accounts.actions import update_preferences
from web.api.models import ApiToken
from web.api.tokens import MAX_TOKENS_PER_USER, create_token

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


def new_key_on(html: str) -> str:
    return re.search(r'id="new-token-key" class="key" value="(bcn_[\w-]+)" readonly', html).group(1)


def api_answer(key: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get("/api/v1/notifications/unread-count/").status_code


def token_rows(html: str) -> list[str]:
    """The token table's rows, as text: name, created, last used."""
    table = html[html.index('<table class="tokens">'):html.index("</table>", html.index('<table class="tokens">'))]
    rows = re.findall(r"<tr[^>]*>\s*<th scope=\"row\">(.*?)</td>\s*<td><a", table, re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in rows]


def test_named_tokens_are_made_shown_once_listed_and_each_revoked_alone(make_user, browser_for):
    # given alice without a token
    alice = make_user("alice")
    browser = browser_for(alice)
    html = page_text(browser.get("/accounts/profile/"))
    assert "You have no API tokens." in html and '<label for="id_name">Name</label>' in html

    # when she creates "laptop script" and then "lab server"
    laptop = new_key_on(page_text(browser.post("/accounts/profile/tokens/", {"name": "laptop script"}, follow=True)))
    html = page_text(browser.post("/accounts/profile/tokens/", {"name": "lab server"}, follow=True))
    server = new_key_on(html)

    # then each key works as her credentials, and the page lists both, newest first, never used
    assert laptop != server and api_answer(laptop) == api_answer(server) == 200
    assert "Token “lab server” created." in html
    html = page_text(browser.get("/accounts/profile/"))
    assert laptop not in html and server not in html
    rows = token_rows(html)
    assert [row.split(" 20")[0] for row in rows] == ["lab server", "laptop script"]
    assert 'aria-label="Revoke token “laptop script”"' in html and 'aria-label="Revoke token “lab server”"' in html

    # when she revokes "laptop script" (the confirmation's POST)
    laptop_id = ApiToken.objects.get(user=alice, name="laptop script").pk
    html = page_text(browser.post(f"/accounts/profile/tokens/{laptop_id}/revoke/", follow=True))

    # then it is refused at once, the other still works, and the page says so and lists the other only
    assert "Token “laptop script” revoked." in html
    assert api_answer(laptop) == 401 and api_answer(server) == 200
    assert [row.split(" 20")[0] for row in token_rows(html)] == ["lab server"]


def test_last_used_shows_never_then_the_time_in_her_zone(make_user, browser_for):
    # given alice in Tokyo with a token used once, at 09:00 UTC
    alice = make_user("alice")
    update_preferences(alice, time_zone="Asia/Tokyo")
    token, _ = create_token(alice, "laptop script")
    browser = browser_for(alice)
    assert token_rows(page_text(browser.get("/accounts/profile/")))[0].endswith(" never")

    ApiToken.objects.filter(pk=token.pk).update(last_used_at=datetime.datetime(2026, 12, 7, 9, 0, tzinfo=datetime.UTC))

    # then her page says it was last used at 18:00, Tokyo's time
    assert token_rows(page_text(browser.get("/accounts/profile/")))[0].endswith(" 2026-12-07 18:00")


def test_a_token_needs_a_name_of_its_own_and_the_form_says_why(make_user, browser_for):
    alice = make_user("alice")
    create_token(alice, "laptop script")
    browser = browser_for(alice)

    for name, reason in [("   ", "Give the token a name"),
                         ("laptop script", "You already have a token named “laptop script”: choose another name."),
                         ("evil\u202eroot", "U+202E")]:
        response = browser.post("/accounts/profile/tokens/", {"name": name})
        html = page_text(response)
        assert response.status_code == 400, name
        errors = html[html.index('id="token-name-errors"'):]
        assert reason in errors[:400], (name, errors[:400])
        assert 'aria-invalid="true"' in html
    assert ApiToken.objects.filter(user=alice).count() == 1


def test_at_the_cap_the_page_says_to_revoke_one_and_a_post_is_refused(make_user, browser_for):
    # given alice with as many tokens as Beacon keeps for one person
    alice = make_user("alice")
    for n in range(MAX_TOKENS_PER_USER):
        create_token(alice, f"script {n}")
    browser = browser_for(alice)

    # then the page has no create form but says why
    html = page_text(browser.get("/accounts/profile/"))
    assert f"You have {MAX_TOKENS_PER_USER} tokens, the most Beacon keeps for one person" in html
    assert 'action="/accounts/profile/tokens/"' not in html

    # and a create sent anyway is refused with the same words
    response = browser.post("/accounts/profile/tokens/", {"name": "one more"})
    assert response.status_code == 400
    assert "revoke one you no longer use to create another" in page_text(response)
    assert ApiToken.objects.filter(user=alice).count() == MAX_TOKENS_PER_USER


def test_the_token_card_links_the_api_docs_and_every_page_s_footer_does_too(make_user, browser_for):
    html = page_text(browser_for(make_user("alice")).get("/accounts/profile/"))
    card = html[html.index('id="api-tokens"'):]
    assert '<a href="/api/v1/docs/">Beacon API</a>' in card and '<a href="/api/v1/redoc/">reference</a>' in card
    footer = page_text(Client().get("/accounts/login/"))
    assert '<footer class="site-footer"><a href="/api/v1/docs/">API docs</a>' in footer
