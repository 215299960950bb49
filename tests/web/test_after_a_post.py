"""After a POST, a redirect (Post/Redirect/Get), and the page it leads to says what was done.

So reloading a page never sends a change again, and the new API token is
shown exactly once.
"""

import json
import re

import pytest

from tests.web.conftest import page_text
from web.api.models import ApiToken
from web.api.tokens import create_token
from web.graphs.actions import create_graph, create_layout, share_graph
from web.groups.actions import add_member, create_group

pytestmark = pytest.mark.django_db

GRAPH = json.dumps({"elements": {"nodes": [{"data": {"id": "a"}}], "edges": []}})


@pytest.fixture
def world(make_user):
    """alice owns "Lab" (bob and carol in it) and "Kinase map" (with its layout "Ring")
    and "Private map"; bob owns "Bob's map" and its layout."""
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    lab = create_group(alice, name="Lab")
    other = create_group(alice, name="Other lab")
    for user in (bob, carol):
        add_member(alice, lab.pk, user.username)
    graph = create_graph(alice, name="Kinase map", group_id=lab.pk)
    layout = create_layout(alice, graph.pk, name="Ring", shared=True)
    bobs = create_graph(bob, name="Bob's map", group_id=lab.pk)
    bobs_layout = create_layout(bob, bobs.pk, name="Bob's ring", shared=True)
    share_graph(alice, graph.pk, other.pk)
    private = create_graph(alice, name="Private map")
    token, _ = create_token(alice, "lab server")
    return dict(alice=alice, bob=bob, carol=carol, lab=lab.pk, other=other.pk, graph=graph.pk, layout=layout.pk,
                bobs=bobs.pk, bobs_layout=bobs_layout.pk, private=private.pk, token=token.pk)


# Every form of the pages that POSTs, as the person it is for sends it, and what the page after it says.
POSTS = [
    ("alice", "/accounts/profile/preferences/", {"app_owner": "on", "digest_schedule": "daily", "digest_hour": "8",
                                                 "digest_weekday": "0"}, "Preferences saved."),
    ("alice", "/accounts/profile/tokens/", {"name": "laptop script"}, "Token “laptop script” created."),
    ("alice", "/accounts/profile/tokens/{token}/revoke/", {}, "Token “lab server” revoked."),
    ("alice", "/groups/new/", {"name": "Proteomics"}, "Created group “Proteomics”."),
    ("alice", "/groups/{lab}/rename/", {"rename-name": "Systems Lab"}, "Group renamed to “Systems Lab”."),
    ("alice", "/groups/{other}/members/add/", {"add-username": "{bob}"}, "Added {bob}."),
    ("alice", "/groups/{lab}/members/remove/", {"remove-username": "{carol}"}, "Removed {carol}."),
    ("bob", "/groups/{lab}/leave/", {}, "You left Lab."),
    ("alice", "/groups/{other}/delete/", {}, "Deleted group Other lab."),
    ("alice", "/graphs/new/", {"name": "Fresh map", "graph_text": GRAPH}, "Uploaded graph “Fresh map”."),
    ("alice", "/graphs/{graph}/edit/", {"edit-name": "Kinase map 2"}, "Saved."),
    ("alice", "/graphs/{private}/share/", {"share-group": "{other}"}, "Shared with “Other lab”."),
    ("alice", "/graphs/{graph}/unshare/", {"group": "{other}"}, "No longer shared with “Other lab”."),
    ("alice", "/graphs/{bobs}/watch/", {}, "You are watching graph “Bob&#x27;s map”."),
    ("alice", "/graphs/{bobs}/unwatch/", {}, "You no longer watch graph “Bob&#x27;s map”."),
    ("alice", "/graphs/{bobs}/layouts/new/", {"layout-name": "Mine"}, "Saved layout “Mine”."),
    ("alice", "/graphs/{graph}/layouts/{layout}/edit/", {"layout-name": "Ring 2"}, "Saved."),
    ("alice", "/graphs/{bobs}/layouts/{bobs_layout}/watch/", {}, "You are watching layout “Bob&#x27;s ring”."),
    ("alice", "/graphs/{bobs}/layouts/{bobs_layout}/unwatch/", {}, "You no longer watch layout “Bob&#x27;s ring”."),
    ("alice", "/graphs/{graph}/layouts/{layout}/delete/", {}, "Deleted layout Ring."),
    ("alice", "/graphs/{graph}/delete/", {}, "Deleted graph Kinase map."),
]


def filled(text: str, world: dict) -> str:
    for name, value in world.items():
        text = text.replace(f"{{{name}}}", str(getattr(value, "username", value)))
    return text


@pytest.mark.parametrize("who, url, data, said", POSTS, ids=[f"{url} {said}" for _, url, _, said in POSTS])
def test_every_form_redirects_and_the_next_page_says_what_was_done(world, browser_for, who, url, data, said):
    browser = browser_for(world[who])

    # when the form is sent
    response = browser.post(filled(url, world), {k: filled(v, world) for k, v in data.items()})

    # then the answer is a redirect, and the page it leads to says what happened, in the status region
    assert response.status_code == 302, page_text(response)[:2000]
    html = page_text(browser.get(response["Location"]))
    region = html[html.index('<div id="messages" role="status">'):html.index("</div>", html.index('id="messages"'))]
    assert filled(said, world) in region

    # and the message is said once: the next page is quiet
    assert filled(said, world) not in page_text(browser.get(response["Location"]))


def test_the_new_token_is_shown_once_and_a_reload_neither_shows_nor_replaces_it(make_user, browser_for):
    # given alice on her profile, without a token
    alice = make_user("alice")
    browser = browser_for(alice)

    # when she creates one named "laptop script"
    response = browser.post("/accounts/profile/tokens/", {"name": "laptop script"})

    # then she is sent to the page, which shows the key once, in a read-only field to copy
    # (the redirect itself carries nothing of it)
    assert response.status_code == 302 and response["Location"] == "/accounts/profile/#api-tokens"
    html = page_text(browser.get("/accounts/profile/"))
    key = re.search(r'<input type="text" id="new-token-key" class="key" value="(bcn_[\w-]+)" readonly', html).group(1)
    assert "shown this once: copy it now" in html
    assert key not in response["Location"] and key not in page_text(response)
    # and that page is not kept by the browser's cache
    assert "no-store" in browser.get("/accounts/profile/")["Cache-Control"]

    # when she reloads the page
    html = page_text(browser.get("/accounts/profile/"))

    # then the key is gone from it, her token is listed, and it is the same one
    assert key not in html and 'id="new-token-key"' not in html and "laptop script" in html
    [token] = ApiToken.objects.filter(user=alice)
    assert token.name == "laptop script"


def test_a_refused_form_is_the_page_again_with_the_reason_not_a_redirect(make_user, browser_for):
    # nothing was done, so there is nothing to redirect to: the form comes back with what she typed
    response = browser_for(make_user("alice")).post("/groups/new/", {"name": "  "})
    assert response.status_code == 400 and "This field is required." in page_text(response)
