"""What a name may not contain: characters a reader cannot see, or that change the direction of the text around them.

A name is shown inside other text (“alice renamed graph “X” to “Y”.”): a
right-to-left override (U+202E) in it would make that sentence read as
something else, and a zero-width space would make two names look the same.
So a name (of a graph, a layout, a group, a tag) refuses:

* Cf, format characters: the bidi embeddings, overrides and isolates
  (U+202A–202E, U+2066–2069), the marks LRM, RLM and ALM (U+200E, U+200F,
  U+061C), zero-width space and no-break (U+200B, U+2060, U+FEFF), the soft
  hyphen (U+00AD: invisible unless a line breaks there, which a name never
  needs) and the tag characters (U+E0000–E007F: invisible ASCII, which can
  smuggle text; the cost is the three subdivision flag emoji).
  ZWNJ and ZWJ (U+200C, U+200D) are allowed: Persian and the Indic scripts
  need them to spell words, and emoji sequences (👩‍🔬) are joined by ZWJ; they
  change how letters join, never the order of the text.
* Cc, control characters, tab and newline among them: a name is one line.
* Zl and Zp, the line and paragraph separators (U+2028, U+2029), for the same reason.
* Cs, lone surrogates (PostgreSQL cannot store them), and Co, private use
  characters (what they look like depends on the reader's fonts).
* The noncharacters (U+FDD0–FDEF and every U+xFFFE, U+xFFFF).

Other unassigned code points (Cn) pass: Python's Unicode tables lag behind
browsers' (3.11 knows Unicode 14), and refusing them would refuse a name
with an emoji newer than the tables.

Pure Python: the Django validator (web.names) and the notification text
(common.notification_text) both use it.
"""

import unicodedata

REFUSED_CATEGORIES = frozenset({"Cf", "Cc", "Zl", "Zp", "Cs", "Co"})
JOINERS = frozenset({"\u200c", "\u200d"})  # ZWNJ, ZWJ: see above
# The message names this many of the refused characters, at most: enough to find them.
NAMED_AT_MOST = 3

# Bidi classes that can move the text around a name: explicit controls and right-to-left letters.
DIRECTIONAL = frozenset({"R", "AL", "LRE", "RLE", "LRO", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI"})
# First strong isolate and pop directional isolate: text between them cannot reorder what is outside.
FSI, PDI = "\u2068", "\u2069"


def _refused(char: str) -> bool:
    if char in JOINERS:
        return False
    code = ord(char)
    if 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE:
        return True
    return unicodedata.category(char) in REFUSED_CATEGORIES


def refused_characters(text: str) -> list[str]:
    """The characters of ``text`` a name may not have, each once, in order."""
    return list(dict.fromkeys(char for char in text if _refused(char)))


def character_label(char: str) -> str:
    """U+202E RIGHT-TO-LEFT OVERRIDE; control characters have no name in Unicode's tables."""
    name = unicodedata.name(char, "")
    if not name:
        category = unicodedata.category(char)
        name = {"Cc": "CONTROL CHARACTER", "Cs": "SURROGATE", "Co": "PRIVATE USE CHARACTER"}.get(
            category, "NONCHARACTER")
    return f"U+{ord(char):04X} {name}"


def name_refusal(text: str, *, what: str = "Names") -> str | None:
    """Why ``text`` cannot be a name, in words; None when it can."""
    refused = refused_characters(text)
    if not refused:
        return None
    labels = ", ".join(character_label(char) for char in refused[:NAMED_AT_MOST])
    if len(refused) > NAMED_AT_MOST:
        labels += f" and {len(refused) - NAMED_AT_MOST} more"
    return f"{what} cannot contain invisible or direction-changing characters ({labels})"


def isolated(name: str) -> str:
    """``name`` as it goes inside a sentence: in FSI…PDI when it could reorder the words around it.

    A name stored before names were checked may hold an override; a name in
    Hebrew or Arabic pulls neighbouring punctuation to its side. Between the
    isolates neither reaches outside (an isolate closes every embedding
    opened in it). A name of left-to-right letters only is left as it is, so
    the text of most notifications is unchanged.
    """
    if isinstance(name, str) and any(unicodedata.bidirectional(char) in DIRECTIONAL for char in name):
        return f"{FSI}{name}{PDI}"
    return name
