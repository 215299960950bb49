"""How a list of notifications reads as groups: pure logic, on stand-in notifications."""

from types import SimpleNamespace

from web.notifications.grouping import grouped

ALICE = 1


def note(n, key, *, actor=(2, "bob"), verb="updated", kind="watching", read=False):
    return SimpleNamespace(
        id=n, pk=n, user_id=ALICE, grouping_key=key, kind=kind, verb=verb, actor_id=actor[0], actor_name=actor[1],
        target_type="graph", target_id=7, target_name="yeast PPI", graph_name="yeast PPI",
        read_at="then" if read else None, text=f"text of {n}")


def test_groups_keep_the_order_of_their_newest_and_count_their_unread():
    groups = grouped([note(5, "a"), note(4, "b"), note(3, "a", read=True), note(2, "a")])
    assert [(g.key, [n.id for n in g.notifications], g.unread) for g in groups] == [
        ("a", [5, 3, 2], 2), ("b", [4], 1)]


def test_a_group_of_one_reads_as_its_notification_and_a_larger_one_names_who_and_what():
    one, several = grouped([note(9, "x"), note(8, "y", actor=(3, "carol")), note(7, "y"),
                            note(6, "y", actor=(4, "dan"))])
    assert one.text == "text of 9"
    assert several.text == "carol and 2 others updated graph “yeast PPI”"


def test_mixed_verbs_are_changed_and_your_own_are_you():
    [mixed] = grouped([note(2, "k", verb="updated"), note(1, "k", verb="created")])
    assert mixed.text == "bob changed graph “yeast PPI”"
    [own] = grouped([note(2, "o", kind="owner", actor=(ALICE, "alice")),
                     note(1, "o", kind="owner", actor=(ALICE, "alice"))])
    assert own.text == "You updated graph “yeast PPI”"
