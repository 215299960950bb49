"""The sentence a notification reads as, for each verb and kind."""

from types import SimpleNamespace

import pytest

from common.notification_text import describe


def notification(**fields):
    base = dict(user_id=1, kind="group", verb="updated", actor_name="bob", target_type="graph",
                target_name="Kinase map", graph_name="Kinase map", group_name="", member_id=None,
                member_name="", old_name="")
    return SimpleNamespace(**{**base, **fields})


@pytest.mark.parametrize(("fields", "text"), [
    (dict(kind="owner", verb="uploaded"), "You uploaded graph “Kinase map”."),
    (dict(kind="owner", verb="created", target_type="layout", target_name="Circle"),
     "You created layout “Circle” of graph “Kinase map”."),
    (dict(kind="owner", verb="renamed", target_type="group", target_name="Lab B", old_name="Lab A"),
     "You renamed group “Lab A” to “Lab B”."),
    (dict(verb="shared", group_name="Lab"), "bob shared graph “Kinase map” with “Lab”."),
    (dict(verb="updated", group_name="Lab"), "bob updated graph “Kinase map”, shared with “Lab”."),
    (dict(kind="watching", verb="deleted", target_type="layout", target_name="Circle"),
     "bob deleted layout “Circle” of graph “Kinase map”."),
    (dict(verb="added", target_type="group", target_name="Lab", group_name="Lab", member_id=2, member_name="carol"),
     "bob added carol to group “Lab”."),
    (dict(verb="added", target_type="group", target_name="Lab", group_name="Lab", member_id=1, member_name="carol"),
     "bob added you to group “Lab”."),
    (dict(verb="removed", target_type="group", target_name="Lab", member_id=1, member_name="carol"),
     "bob removed you from group “Lab”."),
    (dict(verb="left", actor_name="carol", target_type="group", target_name="Lab", member_name="carol"),
     "carol left group “Lab”."),
    (dict(verb="renamed", target_type="group", target_name="Lab B", old_name="Lab A", group_name="Lab B"),
     "bob renamed group “Lab A” to “Lab B”."),
    (dict(verb="deleted", target_type="group", target_name="Lab", group_name="Lab"), "bob deleted group “Lab”."),
])
def test_each_notification_reads_as_a_sentence(fields, text):
    assert describe(notification(**fields)) == text


def test_the_text_is_plain_and_left_for_the_page_to_escape():
    assert describe(notification(kind="owner", verb="uploaded", target_name="<b>x</b>")) \
        == "You uploaded graph “<b>x</b>”."
