"""Test set-up: real PostgreSQL, Redis and Kafka for the whole run, and a share of each per test worker.

Before Django loads, the configured servers are used if they answer and
started otherwise (dev), under a folder of this run's own that is removed at
the end, so two runs at once never stop each other's servers. That happens
once per run: in the one pytest process, or, as ``make test`` runs the suite
(pytest.ini: ``-n 3 --dist loadfile``, pytest-xdist), in the controller
before it spawns its workers, which inherit its environment; workers start and
stop no server. Which worker runs which file: tests/support/scheduling.py.

Each process that runs tests (the only one, or each xdist worker ``gwN``)
has its own share, so that no worker sees another's work:

- PostgreSQL: its own test database, ``BEACON_TEST_DATABASE`` (default
  ``test_beacon``), which pytest-django suffixes with ``_gwN`` under xdist.
- Redis: database ``BEACON_TEST_REDIS_DB + N`` (the base defaults to 12; a
  run without workers uses the base alone), which it FLUSHDBs at the start.
  Celery's queues and every Beacon key live there. A run of W workers uses
  ``base .. base+W-1``; that range must lie within 1..15 (0 is developers'
  own), or the run stops before any test saying so.
- Redis pub/sub is global to the server whatever database is selected, and a
  realtime process answers polls from what a publish carried: its realtime
  channels get a prefix of its own (``REALTIME_CHANNEL_PREFIX``).
- Kafka: a topic prefix and consumer group of its own, ``test-<run>-gwN``.
- ``var/``: Beacon's processes log under folders named by the worker's pid.

Two runs side by side on one machine (a developer's and CI's) set
``BEACON_TEST_DATABASE`` apart, and ``BEACON_TEST_REDIS_DB`` so that their
ranges do not overlap: e.g. 12 (12..14 with three workers) and 5 (5..7).
``-n 0`` runs everything in one process, without xdist (quicker for one file).
"""

import os
import shutil
import uuid
import warnings
from pathlib import Path

import pytest

from settings import defaults

ROOT = Path(__file__).resolve().parent.parent
TEST_VAR = ROOT / "var" / f"test-run-{os.getpid()}"
TEST_REDIS_DB = int(os.environ.get("BEACON_TEST_REDIS_DB", "12"))
# Redis has databases 0..15; 0 is the one developers' Beacon uses.
REDIS_DATABASES = range(1, 16)


def pytest_configure(config):
    from django.conf import settings

    if settings.configured:
        # pytest-django loads the settings before conftest when DJANGO_SETTINGS_MODULE is in the
        # environment already: they would miss this process's share (below), and the tests would
        # use whatever database, REDIS_URL and Kafka topics the environment had.
        raise pytest.UsageError("Django's settings were loaded before the test set-up: unset DJANGO_SETTINGS_MODULE "
                                "(the tests set settings.test themselves)")
    worker = getattr(config, "workerinput", None)
    if worker is None:
        _check_redis_databases(_worker_count(config))
        _use_servers()
        if _is_xdist_controller(config):
            return  # it runs no test; each worker it spawns takes its share (below) from here
        name, index = f"test-{uuid.uuid4().hex[:8]}", 0
    else:
        index = int(worker["workerid"].removeprefix("gw"))
        if index >= worker["workercount"]:
            # A replacement for a crashed worker gets a new number: its Redis database could be another run's.
            raise pytest.UsageError(f"xdist worker {worker['workerid']} of {worker['workercount']}: only gw0.."
                                    f"gw{worker['workercount'] - 1} have a Redis database of their own")
        name = f"test-{worker['testrunuid'][:8]}-{worker['workerid']}"
        _import_kafka_quietly()
    _take_share(name, index)


def _take_share(name: str, index: int) -> None:
    """This process's own Redis database, Kafka topics and group, and realtime channels; then Django."""
    os.environ.update(
        REDIS_URL=_with_db(os.environ["REDIS_URL"], TEST_REDIS_DB + index),
        KAFKA_TOPIC_PREFIX=f"{name}.",
        KAFKA_CONSUMER_GROUP=f"{name}-consumers",
        REALTIME_CHANNEL_PREFIX=f"{name}:user:",
        # Set here, not by the controller: a worker inheriting it would have its settings loaded
        # by pytest-django before this function gave it its share.
        DJANGO_SETTINGS_MODULE="settings.test",
    )
    import redis

    # Celery tasks left by an earlier, interrupted run would act on this run's database.
    redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()
    from django.conf import settings

    _ = settings.DATABASES  # load the settings now; pytest-django then sets Django up


def _use_servers():
    """PostgreSQL, Redis and Kafka for the whole run, in this process's environment (workers inherit it)."""
    from dev import kafka
    from dev.stack import ensure_stack

    endpoints = ensure_stack(
        TEST_VAR,
        database_url=os.environ.get("DATABASE_URL", defaults.DATABASE_URL),
        redis_url=os.environ.get("REDIS_URL", defaults.REDIS_URL),
        kafka_bootstrap=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", defaults.KAFKA_BOOTSTRAP_SERVERS),
        log=lambda line: None,
    )
    os.environ.update(
        DATABASE_URL=endpoints["postgres"].url,
        REDIS_URL=endpoints["redis"].url,
        KAFKA_BOOTSTRAP_SERVERS=endpoints["kafka"].url,
    )
    if endpoints["kafka"].owned:
        os.environ.update(kafka.CLIENT_SETTINGS)


def _import_kafka_quietly() -> None:
    """Import kafka-python ignoring the warning each protocol schema gives under Python 3.11, as the
    controller's Kafka probe (dev/kafka.py) did for it; first imported by a test, they would be reported."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", r"(open_text|read_text) is deprecated", DeprecationWarning)
        import kafka  # noqa: F401  (imported for the import alone: its warnings, silenced once)


def _is_xdist_controller(config) -> bool:
    """This process hands the tests to xdist workers and runs none itself."""
    return getattr(config.option, "dist", "no") != "no" and bool(getattr(config.option, "tx", None)) \
        and not config.option.collectonly


def _worker_count(config) -> int:
    return len(config.option.tx) if _is_xdist_controller(config) else 1


def _check_redis_databases(workers: int) -> None:
    wanted = range(TEST_REDIS_DB, TEST_REDIS_DB + workers)
    if wanted[0] not in REDIS_DATABASES or wanted[-1] not in REDIS_DATABASES:
        raise pytest.UsageError(
            f"BEACON_TEST_REDIS_DB={TEST_REDIS_DB} with {workers} test worker(s) needs Redis databases "
            f"{wanted[0]}..{wanted[-1]}; they must lie within {REDIS_DATABASES[0]}..{REDIS_DATABASES[-1]}"
            f" (set BEACON_TEST_REDIS_DB between 1 and {REDIS_DATABASES[-1] - workers + 1}, or use fewer workers)"
        )


def pytest_unconfigure(config):
    if not _is_xdist_controller(config):  # the controller ran no test, and made no producer
        from tasks.kafka_clients import discard_producer

        discard_producer()
    if getattr(config, "workerinput", None) is not None:
        return  # the controller stops the servers, once every worker is done
    from dev.stack import stop_stack

    stop_stack(TEST_VAR, log=lambda line: None)
    shutil.rmtree(TEST_VAR, ignore_errors=True)


def _with_db(redis_url: str, db: int) -> str:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(redis_url)
    return urlunsplit(parts._replace(path=f"/{db}"))


@pytest.fixture
def make_user():
    """``make_user("alice")``: a user whose password is their name, unique to this test.

    Needs database access from the test's own marks or fixtures; it asks for
    none itself, so that tests against Beacon's processes can commit at once.
    """
    from django.contrib.auth import get_user_model

    def make(name: str):
        username = f"{name}-{uuid.uuid4().hex[:6]}"
        return get_user_model().objects.create_user(username=username, password=name, email=f"{name}@example.org")

    return make


# The files that take longest, slowest first (seconds, in one process on two cores): handed
# out first, so that none starts late and keeps the whole run waiting. Any other file keeps its place.
SLOW_FILES = [
    "tests/e2e/test_fault_drills.py",  # 110
    "tests/api/test_schema.py",  # 37
    "tests/integration/test_digest_runs.py",  # 16
    "tests/devstack/test_run_signals.py",  # 14
    "tests/integration/test_dead_letters.py",  # 14
    "tests/e2e/test_realtime_connections.py",  # 13
    "tests/e2e/test_realtime_faults.py",  # 12
    "tests/devstack/test_run_mail.py",  # 10
    "tests/integration/test_digest.py",  # 10
]


def pytest_collection_modifyitems(config, items):
    # Tests that run Beacon's processes (marked stack) go last in every process that runs
    # tests. The session's Beacon (tests/e2e/conftest.py) runs until that process ends: its
    # Celery worker takes the tasks the process's other tests queue (the relay every commit
    # asks for) and acts on their database, and its consumer joins their Kafka consumer
    # group, racing their table flushes and their own consumers. Under xdist, whole files
    # go to workers in this order, and tests/support/scheduling.py keeps the rule per worker.
    from tests.support.scheduling import is_stack_file

    def path(item) -> str:
        return item.path.relative_to(ROOT).as_posix()

    astray = sorted({path(item) for item in items
                     if bool(item.get_closest_marker("stack")) != is_stack_file(path(item))})
    if astray:
        raise pytest.UsageError(f"stack tests are the files of tests/e2e/, all marked stack, and no others: {astray}")

    def rank(item):
        slow = SLOW_FILES.index(path(item)) if path(item) in SLOW_FILES else len(SLOW_FILES)
        return is_stack_file(path(item)), slow

    items.sort(key=rank)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") == "loadfile":
        from tests.support.scheduling import StackFilesLastOnEachWorker

        return StackFilesLastOnEachWorker(config, log)
    return None
