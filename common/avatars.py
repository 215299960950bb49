"""A person's small picture, made from their name: up to two initials on one of AVATAR_COLOURS.

No outside service and nothing stored: the same name gives the same picture wherever it is drawn, on the
server (the list, the bell) and in the browser (a toast: web/static/beacon/inbox.js does the same sums).
"""

import re

# How many colours the stylesheet has (--avatar-0 … --avatar-7 in web/static/beacon/beacon.css).
AVATAR_COLOURS = 8
_PARTS = re.compile(r"[\s._@-]+")


def initials(name: str) -> str:
    """"Carol Smith" → "CS", "alice" → "A", "bob-79c644" → "B": a part that starts with a digit is no name."""
    letters = [part[0] for part in _PARTS.split(name or "") if part and part[0].isalpha()]
    return "".join(letters[:2]).upper() or "?"


def colour_of(name: str) -> int:
    """Which colour (0 … AVATAR_COLOURS-1): FNV-1a over the name's UTF-8 bytes, as inbox.js computes it."""
    h = 0x811C9DC5
    for byte in (name or "").encode():
        h = ((h ^ byte) * 0x01000193) & 0xFFFFFFFF
    return h % AVATAR_COLOURS
