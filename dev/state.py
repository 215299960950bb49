"""The record of a server we started: ``var_dir/<service>/state.json`` (pid, port, url)."""

import json
import os
from pathlib import Path

FILE_NAME = "state.json"


def read(service_dir: Path) -> dict | None:
    try:
        data = json.loads((service_dir / FILE_NAME).read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def write(service_dir: Path, **fields) -> None:
    path = service_dir / FILE_NAME
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(fields, indent=2) + "\n")
    os.replace(tmp, path)  # a reader never sees half a record


def clear(service_dir: Path) -> None:
    (service_dir / FILE_NAME).unlink(missing_ok=True)
