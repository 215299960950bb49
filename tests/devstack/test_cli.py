"""The command line an operator uses: python -m dev up|down|status|env."""

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import closed_urls

REPO = Path(__file__).resolve().parents[2]

# kafka-python loads its protocol schemas through importlib.resources APIs that Python 3.11 deprecates.
pytestmark = pytest.mark.filterwarnings("ignore:(open_text|read_text) is deprecated:DeprecationWarning")


def devstack(*args: str, urls: dict[str, str]) -> subprocess.Popen:
    env = dict(
        os.environ,
        DATABASE_URL=urls["database_url"],
        REDIS_URL=urls["redis_url"],
        KAFKA_BOOTSTRAP_SERVERS=urls["kafka_bootstrap"],
    )
    return subprocess.Popen(
        [sys.executable, "-m", "dev", *args],
        cwd=REPO,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def finish(proc: subprocess.Popen) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=60)
    return proc.returncode, out, err


def test_env_prints_shell_exports_for_the_endpoints_in_use(cold_run):
    code, out, err = finish(devstack("env", "--var", str(cold_run.var_dir), urls=cold_run.urls))
    assert code == 0, err
    exported = dict(shlex.split(line)[1].split("=", 1) for line in out.splitlines())
    assert exported == {
        "DATABASE_URL": cold_run.endpoints["postgres"].url,
        "REDIS_URL": cold_run.endpoints["redis"].url,
        "KAFKA_BOOTSTRAP_SERVERS": cold_run.endpoints["kafka"].url,
        "KAFKA_SESSION_TIMEOUT_MS": "2000",
        "KAFKA_HEARTBEAT_INTERVAL_MS": "500",
    }
    assert "reusing ours" in err  # progress goes to stderr, so eval "$(... env)" stays clean


def test_two_concurrent_ups_start_each_server_once_and_down_stops_them(new_var_dir):
    var_dir = new_var_dir("concurrent")
    urls = closed_urls()
    results = [finish(p) for p in [devstack("up", "--var", str(var_dir), urls=urls) for _ in range(2)]]

    assert [code for code, _, _ in results] == [0, 0], results
    output = "".join(out for _, out, _ in results)
    for name in ("postgres", "redis", "kafka"):
        assert output.count(f"{name}: nothing answers") == 2
        assert output.count("; started ours at") == 3 and output.count("; reusing ours at") == 3

    code, out, _ = finish(devstack("status", "--var", str(var_dir), urls=urls))
    assert code == 0 and out.count("ours running at") == 3

    code, out, _ = finish(devstack("down", "--var", str(var_dir), urls=urls))
    assert code == 0 and out.count("stopped ours") == 3
    code, out, _ = finish(devstack("down", "--var", str(var_dir), urls=urls))
    assert code == 0 and out.strip() == f"nothing of ours is running for {var_dir}"


def test_an_unusable_server_fails_the_command_with_the_reason(new_var_dir, foreign_listener):
    listener = foreign_listener()
    urls = dict(closed_urls(), database_url=f"postgres://postgres@127.0.0.1:{listener.port}/beacon")
    code, out, err = finish(devstack("up", "--var", str(new_var_dir("cli-error")), urls=urls))
    assert code == 1 and out == ""
    assert err.startswith(f"devstack: postgres: something answers at 127.0.0.1:{listener.port}/beacon (DATABASE_URL)")
