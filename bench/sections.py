"""BENCHMARKS.md holds one section per benchmark; each run rewrites its own and keeps the others.

A section is the text between ``<!-- bench:NAME -->`` and ``<!-- /bench:NAME -->``.
Sections are written in ORDER, any other after them. A file without markers
is the realtime report as it was before there were two benchmarks.
"""

import re
from pathlib import Path

ORDER = ("realtime", "list")
_SECTION = re.compile(r"<!-- bench:(?P<name>[\w-]+) -->\n(?P<body>.*?)<!-- /bench:(?P=name) -->\n?", re.DOTALL)


def read_sections(text: str) -> dict[str, str]:
    found = {m["name"]: m["body"] for m in _SECTION.finditer(text)}
    if not found and text.strip():
        return {"realtime": text}
    return found


def write_section(path: Path, name: str, body: str) -> None:
    path = Path(path)
    current = read_sections(path.read_text()) if path.exists() else {}
    current[name] = body if body.endswith("\n") else body + "\n"
    names = [n for n in ORDER if n in current] + sorted(n for n in current if n not in ORDER)
    path.write_text("\n".join(f"<!-- bench:{n} -->\n{current[n]}<!-- /bench:{n} -->\n" for n in names))
