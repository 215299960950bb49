"""stop_stack stops what its var_dir started, and nothing else."""

import pytest
import redis

from dev import procs, state
from dev.stack import stop_stack

from .clients import all_work, current_database
from .conftest import closed_urls, run_stack

# kafka-python loads its protocol schemas through importlib.resources APIs that Python 3.11 deprecates.
pytestmark = pytest.mark.filterwarnings("ignore:(open_text|read_text) is deprecated:DeprecationWarning")


def test_stop_stack_stops_only_ours(cold_run, new_var_dir, foreign_listener):
    others = cold_run.endpoints
    # A var dir that uses others' servers as configured ones owns nothing to stop.
    borrower = run_stack(
        new_var_dir("borrower"),
        {
            "database_url": others["postgres"].url,
            "redis_url": others["redis"].url,
            "kafka_bootstrap": others["kafka"].url,
        },
    )
    assert stop_stack(borrower.var_dir, log=lambda _: None) == []

    mine = run_stack(new_var_dir("mine"), closed_urls())
    lines: list[str] = []
    assert sorted(stop_stack(mine.var_dir, log=lines.append)) == ["kafka", "postgres", "redis"]

    for name, endpoint in mine.endpoints.items():
        pid = endpoint.pid
        assert procs.wait_until(lambda pid=pid: not procs.is_alive(pid), 10), f"{name} pid {pid} still alive"
        assert f"{name}: stopped ours (pid {endpoint.pid}, {endpoint.url})" in lines
        assert state.read(mine.var_dir / name) is None
    # The other var dir's servers, and the machine's own PostgreSQL and Redis, still work.
    all_work(others)
    assert stop_stack(mine.var_dir, log=lambda _: None) == []
    # (read-only checks: those belong to the machine, not to us)
    assert current_database("postgres://postgres@127.0.0.1:5432/postgres") == "postgres"
    assert redis.Redis.from_url("redis://127.0.0.1:6379/0", socket_timeout=5).ping()
