"""What client.js needs to put a graph newly shared with you in the open graphs page: the list's mark and one row.

The browser half is tests/e2e/test_confirm_and_live_graphs.py.
"""

import pytest

from tests.web.conftest import page_text
from web.graphs.actions import create_graph
from web.groups.actions import add_member, create_group

pytestmark = pytest.mark.django_db


def test_a_row_is_rendered_as_the_list_renders_it_for_whoever_sees_the_graph(make_user, browser_for):
    # given bob's graph in the group he shares with alice, and carol outside it
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    lab = create_group(alice, name="Lab")
    add_member(alice, lab.pk, bob.username)
    graph = create_graph(bob, name="<b>Kinase</b> map", tags=["mapk"], group_id=lab.pk)

    # then alice gets its row, the same as in her list, the name escaped
    row = page_text(browser_for(alice).get(f"/graphs/{graph.pk}/row/")).strip()
    assert row.startswith(f'<li data-graph-id="{graph.pk}">'
                          f'<a href="/graphs/{graph.pk}/"><bdi>&lt;b&gt;Kinase&lt;/b&gt; map</bdi></a>')
    assert f"by <bdi>{bob.username}</bdi> · <time datetime=" in row and "0 nodes" in row
    assert f'shared with <a href="/groups/{lab.pk}/"><bdi>Lab</bdi></a>' in row
    assert '<span class="tag">mapk</span>' in row
    assert row in page_text(browser_for(alice).get("/"))
    # and carol, who does not see it, gets what she gets for no graph at all
    assert browser_for(carol).get(f"/graphs/{graph.pk}/row/").status_code == 404
    assert browser_for(carol).get(f"/graphs/{10**12}/row/").status_code == 404


def test_only_the_newest_page_of_the_list_takes_in_graphs_live(make_user, browser_for):
    browser = browser_for(make_user("alice"))
    assert 'id="graph-list" data-live-rows="/graphs/{id}/row/"' in page_text(browser.get("/"))
    assert "data-live-rows" not in page_text(browser.get("/?before=5"))
