"""The digest mail's one-click unsubscribe: no log-in, no CSRF token, the signed link is the key."""

import pytest
from django.test import Client

from tests.web.conftest import page_text
from web.accounts.preferences import preferences_of
from web.digest.unsubscribe import token_for

pytestmark = pytest.mark.django_db


def link_for(user) -> str:
    return f"/digest/unsubscribe/{token_for(user.pk)}/"


def digest_on(user) -> bool:
    return preferences_of(user).digest


def test_the_link_shows_a_page_then_a_post_turns_the_digest_off_and_offers_it_back(make_user):
    alice = make_user("alice")
    stranger = Client(enforce_csrf_checks=True)  # no session, no CSRF cookie: a mail reader's browser

    page = stranger.get(link_for(alice))
    assert page.status_code == 200
    assert f"Email digest for {alice.username}" in page_text(page) and "Turn off the digest" in page_text(page)
    assert digest_on(alice)  # looking changes nothing

    done = stranger.post(link_for(alice), {"digest": "off"}, follow=True)
    assert done.redirect_chain == [(link_for(alice) + "?done=off", 302)]  # a reload does not post again
    assert "Done: the email digest is off" in page_text(done) and "Turn it back on" in page_text(done)
    assert not digest_on(alice)

    again = stranger.post(link_for(alice), {"digest": "on"}, follow=True)
    assert "Done: the email digest is on again" in page_text(again)
    assert digest_on(alice)


def test_a_mail_clients_one_click_post_turns_it_off_without_a_redirect(make_user):
    alice = make_user("alice")
    response = Client(enforce_csrf_checks=True).post(
        link_for(alice), "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert (response.status_code, response.content) == (200, b"The Beacon email digest is off.\n")
    assert not digest_on(alice)


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_tampered_token_is_refused_and_changes_nothing(make_user, method):
    alice, bob = make_user("alice"), make_user("bob")
    token = token_for(alice.pk)
    forged = f"{bob.pk}:{token.split(':', 1)[1]}"  # alice's signature on bob's id
    for bad in (forged, token[:-2], "nonsense"):
        response = getattr(Client(enforce_csrf_checks=True), method)(f"/digest/unsubscribe/{bad}/", {"digest": "off"})
        assert response.status_code == 400
        assert "This link does not work" in page_text(response)
    assert digest_on(alice) and digest_on(bob)


def test_a_post_with_no_choice_is_a_clear_400(make_user):
    alice = make_user("alice")
    response = Client(enforce_csrf_checks=True).post(link_for(alice), {"digest": "maybe"})
    assert response.status_code == 400
    assert "Choose to turn the digest on or off." in page_text(response)
    assert digest_on(alice)


def test_a_deactivated_account_link_no_longer_works(make_user):
    alice = make_user("alice")
    alice.is_active = False
    alice.save()
    assert Client().get(link_for(alice)).status_code == 400
