"""What a benchmark records of where it ran: the machine, the servers' versions and the state of Beacon's code."""

import hashlib
import platform
import re
import subprocess
from importlib import metadata
from pathlib import Path

MAIN = Path(__file__).resolve().parents[1]
# What the web and realtime processes run: a change to any of it can move their figures.
WEB_AND_REALTIME_CODE = ("realtime", "gunicorn.conf.py", "settings", "web", "requirements")


def command_output(argv) -> str:
    """What a command prints (stdout and stderr: ``nginx -v`` says its version on stderr), or why it did not run."""
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=20, cwd=MAIN)
        return (out.stdout + out.stderr).strip()
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"? ({exc})"


def code_state(paths=WEB_AND_REALTIME_CODE, note="") -> str:
    """The commit, plus a hash of any uncommitted change under ``paths`` and then ``note``: ``630d37d`` or
    ``630d37d+1a2b3c4d``."""
    head = command_output(["git", "rev-parse", "--short", "HEAD"])
    diff = command_output(["git", "diff", "HEAD", "--", *paths])
    return head + (f"+{hashlib.sha1(diff.encode()).hexdigest()[:8]}{note}" if diff else "")


def machine_facts(distributions) -> dict:
    """The machine, the versions of the Python ``distributions`` installed, PostgreSQL's and Redis's."""
    cpuinfo = Path("/proc/cpuinfo").read_text()
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("model name")), "?")
    mem_kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
    return {
        "cpu": cpu,
        "cores": len(re.findall(r"^processor", cpuinfo, re.MULTILINE)),
        "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "kernel": platform.release(),
        "os": "Debian " + Path("/etc/debian_version").read_text().strip(),
        "python": platform.python_version(),
        "packages": _versions(distributions),
        "postgresql": command_output(["psql", "-h", "127.0.0.1", "-U", "postgres", "-tAc", "SHOW server_version"]),
        "redis": (command_output(["redis-cli", "INFO", "server"]).split("redis_version:")[-1].split() or ["?"])[0],
    }


def _versions(distributions) -> dict[str, str]:
    versions = {}
    for dist in distributions:
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            pass
    return versions
