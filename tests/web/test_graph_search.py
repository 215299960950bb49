"""The header's graph search (/graphs/search/?q=): by name, tag, owner and group, only what the reader can see."""

import re
from datetime import datetime, timezone

import pytest
from django.db import connection

from tests.web.conftest import page_text
from web.accounts.actions import update_preferences
from web.graphs.actions import create_graph, share_graph, unshare_graph
from web.graphs.models import Graph
from web.groups.actions import add_member, create_group, leave_group

pytestmark = pytest.mark.django_db


@pytest.fixture
def lab(make_user):
    """Alice's group "Systems Lab" with bob; carol in a group of her own, "Carol's Den", with nobody else."""
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    group = create_group(alice, name="Systems Lab")
    add_member(alice, group.pk, bob.username)
    den = create_group(carol, name="Carol's Den")
    return group, den, alice, bob, carol


def results(response) -> list[str]:
    """The graph names the results list shows, in order."""
    html = page_text(response)
    assert response.status_code == 200, html
    if 'id="search-results"' not in html:
        return []
    listing = html[html.index('id="search-results"'):html.index("</ul>", html.index('id="search-results"'))]
    return re.findall(r'<li data-graph-id="\d+"><a href="/graphs/\d+/"><bdi>(.*?)</bdi>', listing)


def test_finds_a_graph_by_part_of_its_name_whatever_the_case(lab, browser_for):
    # given bob's graph in the lab and another of his
    group, den, alice, bob, carol = lab
    create_graph(bob, name="Yeast PPI network", group_id=group.pk)
    create_graph(bob, name="Kinase map")

    # when alice searches for "ppi"
    found = results(browser_for(alice).get("/graphs/search/", {"q": "ppi"}))

    # then she sees the lab's graph, and not his other one
    assert found == ["Yeast PPI network"]


def test_finds_a_graph_by_a_tag(lab, browser_for):
    group, den, alice, bob, carol = lab
    create_graph(bob, name="Network A", tags=["metabolomics"], group_id=group.pk)
    create_graph(bob, name="Network B", tags=["proteomics"], group_id=group.pk)

    assert results(browser_for(alice).get("/graphs/search/", {"q": "METABOL"})) == ["Network A"]


def test_finds_the_graphs_of_an_owner_by_their_username(lab, browser_for):
    group, den, alice, bob, carol = lab
    create_graph(bob, name="Network A", group_id=group.pk)
    create_graph(alice, name="Network B", group_id=group.pk)

    assert results(browser_for(alice).get("/graphs/search/", {"q": bob.username})) == ["Network A"]


def test_finds_the_graphs_of_a_group_of_mine_by_its_name(lab, browser_for):
    group, den, alice, bob, carol = lab
    create_graph(bob, name="Network A", group_id=group.pk)
    create_graph(alice, name="Network B")

    assert results(browser_for(bob).get("/graphs/search/", {"q": "systems"})) == ["Network A"]


def test_never_shows_a_graph_the_reader_cannot_see(lab, browser_for):
    # given carol's graphs: one private, one in her own group; and one bob unshared from the lab
    group, den, alice, bob, carol = lab
    create_graph(carol, name="Secret yeast", tags=["yeast"])
    create_graph(carol, name="Den yeast", group_id=den.pk)
    unshared = create_graph(bob, name="Unshared yeast", group_id=group.pk)
    unshare_graph(bob, unshared.pk, group.pk)
    create_graph(bob, name="Lab yeast", group_id=group.pk)
    browser = browser_for(alice)

    # then alice finds only the lab's, by name, by tag, by owner, by a group she is not in
    assert results(browser.get("/graphs/search/", {"q": "yeast"})) == ["Lab yeast"]
    assert results(browser.get("/graphs/search/", {"q": carol.username})) == []
    assert results(browser.get("/graphs/search/", {"q": "Den"})) == []
    # and carol, who owns two, finds hers but not the lab's
    assert results(browser_for(carol).get("/graphs/search/", {"q": "yeast"})) == ["Den yeast", "Secret yeast"]


def test_a_graph_in_a_group_one_has_left_is_not_found(lab, browser_for):
    group, den, alice, bob, carol = lab
    create_graph(alice, name="Lab yeast", group_id=group.pk)
    browser = browser_for(bob)
    assert results(browser.get("/graphs/search/", {"q": "yeast"})) == ["Lab yeast"]

    leave_group(bob, group.pk)

    assert results(browser.get("/graphs/search/", {"q": "yeast"})) == []
    assert results(browser.get("/graphs/search/", {"q": "systems"})) == []


def test_a_graph_matching_twice_is_listed_once(lab, browser_for):
    # given a graph whose name, tag, owner and group all say "lab"
    group, den, alice, bob, carol = lab
    graph = create_graph(bob, name="lab graph", tags=["lab"], group_id=group.pk)
    other = create_group(bob, name="Lab two")
    share_graph(bob, graph.pk, other.pk)

    assert results(browser_for(bob).get("/graphs/search/", {"q": "lab"})) == ["lab graph"]


def test_percent_and_underscore_are_searched_for_as_themselves(lab, browser_for):
    group, den, alice, bob, carol = lab
    create_graph(alice, name="growth_rate 50%")
    create_graph(alice, name="growthXrate 50 percent")
    browser = browser_for(alice)

    assert results(browser.get("/graphs/search/", {"q": "h_r"})) == ["growth_rate 50%"]
    assert results(browser.get("/graphs/search/", {"q": "50%"})) == ["growth_rate 50%"]


def test_results_are_newest_first_fifty_a_page_by_cursor(make_user, browser_for):
    # given 51 graphs of alice's named "run N"
    alice = make_user("alice")
    for n in range(51):
        create_graph(alice, name=f"run {n}")
    browser = browser_for(alice)

    # when she searches "run" and follows "Older matches"
    first = browser.get("/graphs/search/", {"q": "run"})
    assert results(first) == [f"run {n}" for n in range(50, 0, -1)]
    older = Graph.objects.get(name="run 1").pk
    assert f'href="?q=run&amp;before={older}"' in page_text(first)
    second = browser.get("/graphs/search/", {"q": "run", "before": older})

    # then the oldest is on the second page alone, with no further link
    assert results(second) == ["run 0"]
    assert "Older matches" not in page_text(second)


def test_nothing_found_says_so_and_the_box_keeps_the_words(lab, browser_for):
    group, den, alice, bob, carol = lab
    html = page_text(browser_for(alice).get("/graphs/search/", {"q": "zebrafish"}))
    assert "No graph you can see matches." in html
    assert 'value="zebrafish"' in html and "Graphs matching “<bdi>zebrafish</bdi>”" in html


def test_an_empty_search_asks_for_words(lab, browser_for):
    group, den, alice, bob, carol = lab
    response = browser_for(alice).get("/graphs/search/", {"q": "   "})
    assert response.status_code == 200
    assert "Type in the search box" in page_text(response)


@pytest.mark.parametrize("q, reason", [
    ("x" * 201, "A search can be at most 200 characters long (this one has 201)."),
    ("yeast\x00", "A search cannot contain control or invisible characters (U+0000 CONTROL CHARACTER)."),
    ("a\tb", "A search cannot contain control or invisible characters (U+0009 CONTROL CHARACTER)."),
    ("ab\u202e", "A search cannot contain control or invisible characters (U+202E RIGHT-TO-LEFT OVERRIDE)."),
])
def test_bad_words_are_refused_with_the_reason(lab, browser_for, q, reason):
    group, den, alice, bob, carol = lab
    response = browser_for(alice).get("/graphs/search/", {"q": q})
    assert response.status_code == 400
    assert reason in page_text(response)


def test_a_cursor_that_is_not_an_id_is_refused(lab, browser_for):
    group, den, alice, bob, carol = lab
    response = browser_for(alice).get("/graphs/search/", {"q": "yeast", "before": "²"})
    assert response.status_code == 400
    assert "before must be a positive whole number" in page_text(response)


def test_the_search_needs_a_login(client):
    response = client.get("/graphs/search/", {"q": "yeast"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_every_page_has_the_search_box_in_its_header(lab, browser_for):
    group, den, alice, bob, carol = lab
    for path in ("/", "/groups/", f"/groups/{group.pk}/", "/notifications/"):
        html = page_text(browser_for(alice).get(path))
        header = html[html.index("<header"):html.index("</header>")]
        assert '<form class="site-search" role="search" method="get" action="/graphs/search/">' in header
        assert '<label for="site-search-q" class="visually-hidden">Search graphs</label>' in header


def test_the_name_and_tag_arm_can_use_the_trigram_index(lab):
    # given the planner told not to scan the table: the index must serve the query's expression as written
    group, den, alice, bob, carol = lab
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN SELECT id FROM graphs_graph g WHERE (g.name || ' ' || g.tags::text) ILIKE '%yeast%'")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "graph_search_trgm" in plan


def test_results_rows_say_when_in_the_readers_zone(lab, browser_for):
    group, den, alice, bob, carol = lab
    graph = create_graph(bob, name="Late yeast", group_id=group.pk)
    Graph.objects.filter(pk=graph.pk).update(created=datetime(2026, 3, 1, 23, 30, tzinfo=timezone.utc))
    update_preferences(alice, time_zone="Asia/Tokyo")

    html = page_text(browser_for(alice).get("/graphs/search/", {"q": "yeast"}))

    assert '<time datetime="2026-03-02T08:30:00+09:00"' in html and ">2 March 2026</time>" in html
