"""Both palettes of web/static/beacon/beacon.css keep text readable: WCAG AA, 4.5:1."""

import re
from pathlib import Path

import pytest

CSS = (Path(__file__).resolve().parents[2] / "web" / "static" / "beacon" / "beacon.css").read_text()
AA = 4.5
# (text, background) as the stylesheet pairs them.
PAIRS = [
    ("text", "bg"), ("text", "surface"), ("text", "surface-alt"), ("muted", "bg"), ("muted", "surface"),
    ("link", "bg"), ("link", "surface"), ("danger", "surface"), ("header-text", "header-bg"),
    ("badge-text", "badge-bg"), ("badge-text", "badge-zero-bg"), ("ok-text", "ok-bg"), ("code-text", "code-bg"),
    ("toast-text", "toast-bg"), ("primary-text", "primary-bg"), ("button-text", "button-bg"),
    *(("avatar-text", f"avatar-{n}") for n in range(8)),
]


def palette(scheme: str) -> dict[str, str]:
    light = re.search(r":root \{(.*?)\}", CSS, re.S).group(1)
    colours = dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})\b", light))
    if scheme == "dark":
        dark = re.search(r"prefers-color-scheme: dark\) \{\s*:root \{(.*?)\}", CSS, re.S).group(1)
        colours.update(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})\b", dark))
    return colours


def luminance(hex_colour: str) -> float:
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_text_colour_reads_on_its_background(scheme):
    colours = palette(scheme)
    poor = {f"{text} on {background}": round(contrast(colours[text], colours[background]), 2)
            for text, background in PAIRS if contrast(colours[text], colours[background]) < AA}
    assert not poor, f"{scheme}: below {AA}:1: {poor}"


def test_the_dark_palette_is_another_palette():
    light, dark = palette("light"), palette("dark")
    assert light["bg"] != dark["bg"] and light["text"] != dark["text"]
