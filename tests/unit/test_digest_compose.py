"""The digest's grouping and wording: pure logic, on stand-in notifications."""

from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

from web.digest.compose import MAX_ITEMS, digest_of

T0 = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)
ALICE = 1


def note(n, *, verb="updated", actor=(2, "bob"), target=("graph", 7, "yeast PPI"), kind="watching", link=None,
         graph_name=None, old_name=""):
    target_type, target_id, name = target
    return SimpleNamespace(
        id=n, user_id=ALICE, kind=kind, verb=verb, actor_id=actor[0], actor_name=actor[1], target_type=target_type,
        target_id=target_id, target_name=name, graph_name=graph_name or (name if target_type == "graph" else ""),
        group_name="", member_id=None, member_name="", old_name=old_name,
        link=f"/{target_type}s/{target_id}/" if link is None else link, created=T0 + timedelta(minutes=n))


def test_who_acted_reads_as_a_person_would_say_it():
    def people(*actors):
        [item] = digest_of([note(n, actor=a) for n, a in enumerate(actors)], ALICE, "https://b").items
        return item.text

    assert people((2, "bob"), (2, "bob")) == "2 updates by bob"
    assert people((3, "carol"), (2, "bob")) == "2 updates by bob and carol"  # newest first
    assert people((4, "dave"), (3, "carol"), (2, "bob"), (2, "bob")) == "4 updates by bob and 2 others"
    assert people((ALICE, "alice"), (ALICE, "alice")) == "2 updates by you"


def test_mixed_verbs_are_changes_and_a_single_one_keeps_its_own_sentence():
    digest = digest_of([note(1, verb="created", kind="owner", actor=(ALICE, "alice")),
                        note(2, verb="updated"),
                        note(3, target=("group", 5, "Lab"), verb="renamed", old_name="Old lab")],
                       ALICE, "https://b/")
    assert [item.line for item in digest.items] == [
        "bob renamed group “Old lab” to “Lab”.",
        "Graph “yeast PPI”: 2 changes by bob and you",
    ]
    assert [item.link for item in digest.items] == ["https://b/groups/5/", "https://b/graphs/7/"]


def test_a_layout_is_named_with_its_graph_and_a_target_without_a_page_links_to_the_filtered_list():
    [item] = digest_of([note(1, target=("layout", 9, "Circle"), graph_name="p53", link=""),
                        note(2, target=("layout", 9, "Circle"), graph_name="p53", link="")], ALICE, "https://b").items
    assert item.heading == "Layout “Circle” of graph “p53”"
    assert item.link == "https://b/notifications/?target=layout%3A9"


def test_the_newest_fifty_targets_are_listed_and_the_rest_only_counted():
    # (each by someone else: one person's changes to several graphs would read as one line, a burst)
    notes = [note(n, target=("graph", n, f"g{n}"), actor=(100 + n, f"u{n}")) for n in range(MAX_ITEMS + 5)]
    digest = digest_of(notes, ALICE, "https://b")
    assert (len(digest.items), digest.total, digest.more) == (MAX_ITEMS, MAX_ITEMS + 5, 5)
    assert digest.items[0].heading == f"Graph “g{MAX_ITEMS + 4}”" and digest.items[-1].heading == "Graph “g5”"
    assert digest.subject == "55 new notifications in Beacon"


def test_one_persons_shares_of_several_graphs_in_a_group_read_as_one_line():
    def shared(n, graph):
        item = note(n, verb="shared", kind="group", target=("graph", graph, f"g{graph}"))
        item.group_id, item.group_name = 4, "Systems Biology Lab"
        return item

    others = [note(20, verb="updated", actor=(3, "carol"), target=("graph", 99, "p53"))]
    digest = digest_of([shared(n, 100 + n) for n in range(10)] + others, ALICE, "https://b")
    assert [item.line for item in digest.items] == [
        "carol updated graph “p53”.",
        "Bob shared 10 graphs with “Systems Biology Lab”.",
    ]
    burst = digest.items[1]
    assert (burst.count, burst.link) == (10, "https://b/notifications/?target=group%3A4")
    assert digest.total == 11


def test_a_burst_outside_a_group_and_your_own_read_as_a_person_says_it():
    mine = [note(n, verb="uploaded", kind="owner", actor=(ALICE, "alice"), target=("graph", n, f"g{n}"))
            for n in range(3)]
    assert [i.line for i in digest_of(mine, ALICE, "https://b").items] == ["You uploaded 3 graphs."]
    # two different verbs, or two people, are not one burst
    mixed = [note(1, verb="updated", target=("graph", 1, "a")), note(2, verb="deleted", target=("graph", 2, "b")),
             note(3, verb="updated", actor=(3, "carol"), target=("graph", 3, "c"))]
    assert len(digest_of(mixed, ALICE, "https://b").items) == 3


def test_each_line_links_to_what_reads_it_for_this_reader_alone():
    from web.digest.links import read_open_token

    [item] = digest_of([note(1), note(2)], ALICE, "https://b").items
    token = item.open_url.split("?t=", 1)[1]
    from urllib.parse import unquote

    assert read_open_token(unquote(token)) == (ALICE, [1, 2], "/graphs/7/")


def test_two_of_one_persons_changes_keep_their_own_lines_and_names():
    pair = [note(n, verb="updated", target=("graph", n, f"g{n}")) for n in range(2)]
    assert [i.line for i in digest_of(pair, ALICE, "https://b").items] == ["bob updated graph “g1”.",
                                                                           "bob updated graph “g0”."]
