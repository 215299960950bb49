"""Every change of state is a POST with a CSRF token: a GET, or a POST from another site, changes nothing."""

import pytest

from tests.support.events import graph_event
from web.api.tokens import create_token
from web.graphs.actions import create_graph, create_layout
from web.groups.actions import add_member, create_group
from web.notifications.delivery import deliver

pytestmark = pytest.mark.django_db

STATE_CHANGES = [
    "/accounts/profile/preferences/",
    "/accounts/profile/tokens/",
    "/accounts/profile/tokens/{token}/revoke/",
    "/groups/new/",
    "/groups/{group}/members/add/",
    "/groups/{group}/members/remove/",
    "/groups/{group}/rename/",
    "/groups/{group}/delete/",
    "/groups/{group}/leave/",
    "/graphs/new/",
    "/graphs/{graph}/edit/",
    "/graphs/{graph}/delete/",
    "/graphs/{graph}/share/",
    "/graphs/{graph}/unshare/",
    "/graphs/{graph}/watch/",
    "/graphs/{graph}/unwatch/",
    "/graphs/{graph}/layouts/new/",
    "/graphs/{graph}/layouts/{layout}/edit/",
    "/graphs/{graph}/layouts/{layout}/delete/",
    "/graphs/{graph}/layouts/{layout}/watch/",
    "/graphs/{graph}/layouts/{layout}/unwatch/",
    "/notifications/read-all/",
    "/notifications/{notification}/read/",
    "/notifications/{notification}/unread/",
    "/notifications/{notification}/open/",
    "/notifications/done/",
    "/notifications/undo-done/",
    "/notifications/{notification}/done/",
    "/notifications/{notification}/undone/",
    "/notifications/{notification}/save/",
    "/notifications/{notification}/unsave/",
]


@pytest.fixture
def things(make_user):
    """Bob, in alice's group, sees her graph and its shared layout, and has a notification."""
    alice, bob = make_user("alice"), make_user("bob")
    group = create_group(alice, name="Lab")
    add_member(alice, group.pk, bob.username)
    graph = create_graph(alice, name="Kinase map", group_id=group.pk)
    layout = create_layout(alice, graph.pk, name="Circle", shared=True)
    [delivered] = deliver(graph_event(alice, "Kinase map", kind="group", group=group, to=[bob]))
    token, _ = create_token(bob, "lab server")
    return bob, dict(group=group.pk, graph=graph.pk, layout=layout.pk, notification=delivered.notification_id,
                     token=token.pk)


# What a GET of these shows is the question before the change (tests/web/test_confirmations.py).
CONFIRMED = {
    "/accounts/profile/tokens/{token}/revoke/",
    "/groups/{group}/members/remove/",
    "/groups/{group}/delete/",
    "/groups/{group}/leave/",
    "/graphs/{graph}/delete/",
    "/graphs/{graph}/layouts/{layout}/delete/",
}


@pytest.mark.parametrize("url", sorted(set(STATE_CHANGES) - CONFIRMED))
def test_a_get_changes_nothing(things, browser_for, url):
    bob, ids = things
    assert browser_for(bob).get(url.format(**ids)).status_code == 405


@pytest.mark.parametrize("url", STATE_CHANGES)
def test_a_post_without_the_csrf_token_is_refused(things, browser_for, url):
    bob, ids = things
    response = browser_for(bob, csrf=True).post(url.format(**ids), {"name": "x"})
    assert response.status_code == 403
    assert "CSRF verification failed" in response.content.decode()


def test_a_post_with_the_pages_csrf_token_is_accepted(things, browser_for):
    # the same checking browser, sending the token its page gave it, gets through
    bob, ids = things
    browser = browser_for(bob, csrf=True)
    browser.get(f"/graphs/{ids['graph']}/")
    token = browser.cookies["csrftoken"].value

    response = browser.post(f"/graphs/{ids['graph']}/watch/", {"csrfmiddlewaretoken": token})

    assert response.status_code == 302
