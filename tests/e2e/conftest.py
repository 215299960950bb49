import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.support.browser import Browser
from tests.support.chromium import CHROMIUM, launched_chromium
from tests.support.stack import ProcfileStack, free_port
from tests.support.waiting import wait_for

ROOT = Path(__file__).resolve().parents[2]
STACK_PROCESSES = ["router", "web", "realtime", "consumer", "worker"]


@dataclass
class RunningBeacon:
    base_url: str
    processes: ProcfileStack

    def browser(self) -> Browser:
        return Browser(self.base_url)


@pytest.fixture(scope="session")
def stack_database(django_db_setup, django_db_blocker):
    """The test database, also when only stack tests run.

    pytest-django sets up only the databases that tests marked django_db (or
    asking for ``db``) need; stack tests use neither, since they must commit.
    """
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    if connection.settings_dict["NAME"] == connection.creation._get_test_db_name():
        yield  # set up already, for the other tests of the run
        return
    with django_db_blocker.unblock():
        config = setup_databases(verbosity=0, interactive=False, aliases={"default"})
    yield
    with django_db_blocker.unblock():
        teardown_databases(config, verbosity=0)


@pytest.fixture(scope="session")
def mail_server():
    """The SMTP server Beacon's processes mail through in these tests (aiosmtpd on loopback)."""
    from tests.support.smtp import RecordingMailServer

    with RecordingMailServer() as server:
        yield server


@pytest.fixture(scope="session")
def beacon(stack_database, mail_server, django_db_blocker):
    """Router, web, realtime, consumer and Celery worker, from the Procfile, on the test database."""
    from django.conf import settings

    test_database = settings.DATABASES["default"]["NAME"]
    parts = urlsplit(os.environ["DATABASE_URL"])
    ports = {name: free_port() for name in ("BEACON_PORT", "WEB_PORT", "REALTIME_PORT")}
    env = {
        **os.environ,
        **{name: str(port) for name, port in ports.items()},
        "DATABASE_URL": urlunsplit(parts._replace(path="/" + test_database)),
        "SITE_URL": f"http://127.0.0.1:{ports['BEACON_PORT']}",
        "LOG_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(mail_server.port),
        "DIGEST_SETTLE_MINUTES": "0",
    }
    # Logs of this run alone: a second run at once must not satisfy our waits with its lines.
    processes = ProcfileStack(STACK_PROCESSES, env, ROOT / "var" / "test-logs" / str(os.getpid()))
    processes.start()
    try:
        base_url = f"http://127.0.0.1:{ports['BEACON_PORT']}"
        browser = Browser(base_url)
        wait_for(lambda: _answers(browser, "/accounts/login/"), timeout=60, message="web through the router")
        wait_for(lambda: _answers(browser, "/realtime/healthz"), timeout=60, message="realtime through the router")
        processes.wait_for_log("worker", "ready.")
        processes.wait_for_log("consumer", "partitions assigned")
        yield RunningBeacon(base_url, processes)
    finally:
        processes.stop()


@pytest.fixture
def chromium(monkeypatch):
    """Debian's Chromium, headless; the test is skipped, saying so, where it is not installed."""
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from django.db import connections

    # Playwright's sync API keeps an event loop in this thread, which Django
    # takes for async code; the ORM calls here are ordinary blocking ones.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with launched_chromium() as browser:
        yield browser
        # The test ran inside Playwright's greenlet, where Django opened a
        # connection of its own; close it here, or it outlives the test database.
        connections.close_all()


@pytest.fixture
def live_db(beacon, django_db_blocker):
    """Database access whose writes commit at once, for Beacon's processes to see.

    Nothing is rolled back or flushed afterwards: a flush would race the
    worker still delivering a test's last events. Every test makes users of
    its own (make_user), so what earlier tests left does not concern it.
    """
    with django_db_blocker.unblock():
        yield


def _answers(browser: Browser, path: str) -> bool:
    try:
        return browser.get(path, timeout=2).status == 200
    except OSError:
        return False

