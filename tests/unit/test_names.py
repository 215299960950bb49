"""What a name may hold (common.names), and how a name that could reorder a sentence is shown in one."""

from types import SimpleNamespace

import pytest

from common.names import FSI, PDI, isolated, name_refusal
from common.notification_text import describe


@pytest.mark.parametrize(("name", "named"), [
    ("Kinase\u202emap", "U+202E RIGHT-TO-LEFT OVERRIDE"),
    ("\u2066Kinase map", "U+2066 LEFT-TO-RIGHT ISOLATE"),
    ("Kinase\u200bmap", "U+200B ZERO WIDTH SPACE"),
    ("Kinase\u200fmap", "U+200F RIGHT-TO-LEFT MARK"),
    ("Kinase\u061cmap", "U+061C ARABIC LETTER MARK"),
    ("\ufeffKinase map", "U+FEFF ZERO WIDTH NO-BREAK SPACE"),
    ("Kin\u00adase", "U+00AD SOFT HYPHEN"),
    ("Kinase\nmap", "U+000A CONTROL CHARACTER"),
    ("Kinase\tmap", "U+0009 CONTROL CHARACTER"),
    ("Kinase\u2028map", "U+2028 LINE SEPARATOR"),
    ("Kinase\ue000map", "U+E000 PRIVATE USE CHARACTER"),
    ("Kinase\ufffemap", "U+FFFE NONCHARACTER"),
    ("Kinase\U000e0041map", "U+E0041 TAG LATIN CAPITAL LETTER A"),
])
def test_a_name_with_an_invisible_or_direction_changing_character_is_refused_naming_it(name, named):
    assert name_refusal(name) == f"Names cannot contain invisible or direction-changing characters ({named})"


@pytest.mark.parametrize("name", [
    "Kinase map", "Müller's lab", "خريطة الكيناز", "מפת קינאז", "激酶图谱", "キナーゼ",
    "👩\u200d🔬 lab",  # woman scientist: ZWJ joins the emoji
    "می\u200cخواهم",  # Persian: ZWNJ keeps the letters apart within a word
    "क्\u200dष",  # Devanagari: ZWJ asks for the half form
    "🇫🇷 Paris", "a\u0301",  # regional indicators; a combining accent (Mn)
])
def test_ordinary_text_in_any_script_is_a_name(name):
    assert name_refusal(name) is None


def test_the_message_names_three_characters_and_counts_the_rest():
    message = name_refusal("\u202a\u202b\u202c\u202d\u202e")
    assert message.endswith("(U+202A LEFT-TO-RIGHT EMBEDDING, U+202B RIGHT-TO-LEFT EMBEDDING, "
                            "U+202C POP DIRECTIONAL FORMATTING and 2 more)")


def test_each_character_is_named_once():
    assert name_refusal("a\u202eb\u202ec", what="Tags") == (
        "Tags cannot contain invisible or direction-changing characters (U+202E RIGHT-TO-LEFT OVERRIDE)")


def test_a_left_to_right_name_is_left_as_it_is_and_others_are_isolated():
    assert isolated("Kinase map") == "Kinase map"
    assert isolated("מפת קינאז") == f"{FSI}מפת קינאז{PDI}"
    assert isolated("Kinase\u202epam") == f"{FSI}Kinase\u202epam{PDI}"


def test_a_stored_name_with_an_override_cannot_reorder_the_notification_around_it():
    # given a graph name stored before names were checked, with an override and no end to it
    n = SimpleNamespace(user_id=1, kind="group", verb="shared", actor_name="bob", target_type="graph",
                        target_name="evil\u202e", graph_name="evil\u202e", group_name="Lab", member_id=None,
                        member_name="", old_name="")

    # then the sentence holds the name between isolates, and the words after it are outside them
    assert describe(n) == f"bob shared graph “{FSI}evil\u202e{PDI}” with “Lab”."
