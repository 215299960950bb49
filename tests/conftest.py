"""Test set-up: real PostgreSQL, Redis and Kafka for the whole run.

Before Django loads, the configured servers are used if they answer and
started otherwise (dev), under a folder of this run's own that is
removed at the end, so two runs at once never stop each other's servers. The
run also gets its own Kafka topic prefix, consumer group and Redis database,
so it never shares work with a development instance on the same servers.
"""

import os
import shutil
import uuid
from pathlib import Path

import pytest

from settings import defaults

ROOT = Path(__file__).resolve().parent.parent
TEST_VAR = ROOT / "var" / f"test-run-{os.getpid()}"
# Celery's queues for tests live in their own Redis database; pub/sub
# channels are global in Redis, which is harmless: a wake-up only says "look".
# Runs side by side set BEACON_TEST_REDIS_DB and BEACON_TEST_DATABASE apart.
TEST_REDIS_DB = int(os.environ.get("BEACON_TEST_REDIS_DB", "14"))


def pytest_configure(config):
    from dev import kafka
    from dev.stack import ensure_stack

    endpoints = ensure_stack(
        TEST_VAR,
        database_url=os.environ.get("DATABASE_URL", defaults.DATABASE_URL),
        redis_url=os.environ.get("REDIS_URL", defaults.REDIS_URL),
        kafka_bootstrap=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", defaults.KAFKA_BOOTSTRAP_SERVERS),
        log=lambda line: None,
    )
    run_id = uuid.uuid4().hex[:8]
    os.environ.update(
        DJANGO_SETTINGS_MODULE="settings.test",
        DATABASE_URL=endpoints["postgres"].url,
        REDIS_URL=_with_db(endpoints["redis"].url, TEST_REDIS_DB),
        KAFKA_BOOTSTRAP_SERVERS=endpoints["kafka"].url,
        KAFKA_TOPIC_PREFIX=f"test-{run_id}.",
        KAFKA_CONSUMER_GROUP=f"test-{run_id}-consumers",
    )
    if endpoints["kafka"].owned:
        os.environ.update(kafka.CLIENT_SETTINGS)
    import redis

    # Celery tasks left by an earlier, interrupted run would act on this run's database.
    redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()
    from django.conf import settings

    settings.DATABASES  # load the settings now; pytest-django then sets Django up


def pytest_unconfigure(config):
    from tasks.kafka_clients import discard_producer

    discard_producer()
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


def pytest_collection_modifyitems(config, items):
    # Tests that run Beacon's processes go last: once those run, they consume
    # whatever reaches Kafka, which must not race other tests' table flushes.
    items.sort(key=lambda item: item.get_closest_marker("stack") is not None)
