"""A person's picture from their name (common/avatars.py), and the stylesheet and script agreeing with it."""

import re
from pathlib import Path

import pytest

from common.avatars import AVATAR_COLOURS, colour_of, initials

STATIC = Path(__file__).resolve().parents[2] / "web" / "static" / "beacon"


@pytest.mark.parametrize(("name", "letters"), [
    ("Carol Smith", "CS"), ("alice", "A"), ("bob-79c644", "B"), ("jean-luc.picard", "JL"), ("Zoë Ångström", "ZÅ"),
    ("李小龙", "李"), ("", "?"), ("42", "?"), ("anna maria lopez", "AM"),
])
def test_initials_are_the_first_letters_of_the_first_two_names(name, letters):
    assert initials(name) == letters


def test_a_name_always_gets_the_same_colour_and_names_spread_over_all_of_them():
    assert colour_of("bob") == colour_of("bob")
    # FNV-1a 32-bit of "a" is 0xE40C292C (a published test vector)
    assert colour_of("a") == 0xE40C292C % AVATAR_COLOURS
    assert {colour_of(f"user{n}") for n in range(200)} == set(range(AVATAR_COLOURS))


def test_the_stylesheet_and_the_script_have_as_many_colours():
    css = (STATIC / "beacon.css").read_text()
    assert sorted(set(int(n) for n in re.findall(r"--avatar-(\d+):", css))) == list(range(AVATAR_COLOURS))
    assert f"var AVATAR_COLOURS = {AVATAR_COLOURS};" in (STATIC / "inbox.js").read_text()
