"""When nothing answers at the configured addresses, devstack runs servers of its own."""

import os
import signal

import pytest

from dev import kafka, postgres, procs, redis, state

from .clients import all_work, current_database, kafka_roundtrip, redis_roundtrip
from .conftest import closed_urls, recorded_pids, run_stack

# kafka-python loads its protocol schemas through importlib.resources APIs that Python 3.11 deprecates.
pytestmark = pytest.mark.filterwarnings("ignore:(open_text|read_text) is deprecated:DeprecationWarning")


def test_nothing_answering_starts_all_three_and_they_work(cold_run):
    endpoints = cold_run.endpoints
    assert set(endpoints) == {"postgres", "redis", "kafka"}
    assert all(e.owned and e.pid and procs.is_alive(e.pid) for e in endpoints.values())

    assert current_database(endpoints["postgres"].url) == "beacon_test"
    assert redis_roundtrip(endpoints["redis"].url) == 5  # the configured db number is kept
    kafka_roundtrip(endpoints["kafka"].url)

    for name in ("postgres", "redis", "kafka"):
        line = next(line for line in cold_run.lines if line.startswith(f"{name}: nothing answers"))
        assert f"started ours at {endpoints[name].url} (pid {endpoints[name].pid}" in line
        assert str(cold_run.var_dir / name / "server.log") in line
        assert state.read(cold_run.var_dir / name) == {
            "pid": endpoints[name].pid,
            "port": int(endpoints[name].url.rsplit(":", 1)[1].split("/")[0]),
            "url": endpoints[name].url,
        }
    assert "created database 'beacon_test'" in cold_run.text()


@pytest.mark.skipif(os.geteuid() != 0, reason="only root runs PostgreSQL under another account")
def test_as_root_postgres_runs_as_its_own_account(cold_run):
    pid = cold_run.endpoints["postgres"].pid
    assert os.stat(f"/proc/{pid}").st_uid == os.stat(cold_run.var_dir / "postgres" / "data").st_uid != 0
    # pytest's base temp dirs are 0700, so devstack had to open them for traversal, and said so.
    assert f"added o+x to {cold_run.var_dir} so beacon-postgres can reach" in cold_run.text()


def test_same_command_twice_reuses_the_same_servers(cold_run):
    again = run_stack(cold_run.var_dir, cold_run.urls)
    assert {n: e.pid for n, e in again.endpoints.items()} == {n: e.pid for n, e in cold_run.endpoints.items()}
    assert again.endpoints == cold_run.endpoints
    for name, endpoint in again.endpoints.items():
        assert f"{name}: " in again.text() and f"reusing ours at {endpoint.url} (pid {endpoint.pid})" in again.text()
    assert again.seconds < 5


def test_servers_killed_by_a_previous_run_are_started_again(new_var_dir):
    var_dir = new_var_dir("killed")
    urls = closed_urls()
    first = run_stack(var_dir, urls)
    for endpoint in first.endpoints.values():
        os.kill(endpoint.pid, signal.SIGKILL)
    for pid in recorded_pids(var_dir):
        assert procs.wait_until(lambda pid=pid: not procs.is_alive(pid), 10)

    second = run_stack(var_dir, urls)

    for name, endpoint in second.endpoints.items():
        assert endpoint.owned and endpoint.pid != first.endpoints[name].pid
        assert f"{name}: our earlier server (pid {first.endpoints[name].pid}) is gone" in second.text()
        assert f"started ours at {endpoint.url}" in second.text()
    assert "removed stale" in second.text() and "postmaster.pid" in second.text()
    all_work(second.endpoints)


def test_preferred_port_taken_by_someone_else_picks_another(new_var_dir, foreign_listener, monkeypatch):
    taken = {}
    for service in (postgres, redis, kafka):
        listener = foreign_listener()
        monkeypatch.setattr(service, "PREFERRED_PORT", listener.port)
        taken[service.NAME] = listener.port

    run = run_stack(new_var_dir("taken"), closed_urls())

    for name in run.endpoints:
        port = state.read(run.var_dir / name)["port"]
        assert port != taken[name]
        assert f"{name}: port {taken[name]} is taken by another process; using free port {port}" in run.text()
    all_work(run.endpoints)
