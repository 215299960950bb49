"""When something answers at the configured address devstack uses it, or says why it cannot."""

import pytest

from dev.stack import DevstackError, ensure_stack

from .clients import current_database
from .conftest import closed_url, run_stack

# kafka-python loads its protocol schemas through importlib.resources APIs that Python 3.11 deprecates.
pytestmark = pytest.mark.filterwarnings("ignore:(open_text|read_text) is deprecated:DeprecationWarning")


def test_answering_servers_are_used_as_configured(cold_run, new_var_dir):
    ours = cold_run.endpoints
    # A database name the server does not have yet: devstack creates it.
    db_url = ours["postgres"].url.rsplit("/", 1)[0] + "/beacon_configured"
    urls = {"database_url": db_url, "redis_url": ours["redis"].url, "kafka_bootstrap": ours["kafka"].url}

    run = run_stack(new_var_dir("configured"), urls)

    assert {n: (e.url, e.owned, e.pid) for n, e in run.endpoints.items()} == {
        "postgres": (db_url, False, None),
        "redis": (urls["redis_url"], False, None),
        "kafka": (urls["kafka_bootstrap"], False, None),
    }
    assert current_database(db_url) == "beacon_configured"
    assert "postgres: created database 'beacon_configured'" in run.text()
    assert "started" not in run.text()
    for name in ("postgres", "redis", "kafka"):
        assert any(line.startswith(f"{name}: using the configured server at ") for line in run.lines)
        assert not (run.var_dir / name).exists()


def test_a_silent_listener_at_the_redis_url_is_an_error(cold_run, new_var_dir, foreign_listener):
    listener = foreign_listener()
    var_dir = new_var_dir("silent-redis")
    with pytest.raises(DevstackError) as caught:
        ensure_stack(
            var_dir,
            database_url=cold_run.endpoints["postgres"].url,
            redis_url=f"redis://127.0.0.1:{listener.port}/0",
            kafka_bootstrap=closed_url("kafka"),
            log=lambda _: None,
        )
    message = str(caught.value)
    assert message.startswith(f"redis: something answers at 127.0.0.1:{listener.port} (REDIS_URL)")
    assert "did not answer PING like a Redis server" in message
    assert "does not start its own" in message
    assert not (var_dir / "redis").exists() and not (var_dir / "kafka").exists()


def test_postgres_refusing_our_role_is_an_error(cold_run, new_var_dir):
    url = cold_run.endpoints["postgres"].url.replace("postgres@", "no_such_role@")
    expected = (
        r"postgres: something answers at 127\.0\.0\.1:\d+/beacon_test \(DATABASE_URL\) "
        r'but we cannot use it: .*role "no_such_role" does not exist'
    )
    with pytest.raises(DevstackError, match=expected):
        ensure_stack(
            new_var_dir("bad-role"),
            database_url=url,
            redis_url=closed_url("redis"),
            kafka_bootstrap=closed_url("kafka"),
            log=lambda _: None,
        )
