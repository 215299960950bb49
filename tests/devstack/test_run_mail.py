"""The mail ``make run`` sends is kept where a person can read it: files and /dev/mail/."""

import os
import signal
import subprocess
import sys

import pytest

from tests.support.browser import Browser
from tests.support.waiting import wait_for

from .conftest import REPO, start_beacon_run

pytestmark = pytest.mark.filterwarnings("ignore:(open_text|read_text) is deprecated:DeprecationWarning")


STORED_ALL = ("from web.outbox.models import OutboxEvent; from web.notifications.models import ProcessedEvent; "
              "print(OutboxEvent.objects.count() == ProcessedEvent.objects.count() > 0)")


def run_env(var_dir) -> dict[str, str]:
    """What `. var/devstack/run.env` gives a second terminal (the README's way to run a command)."""
    script = f". {var_dir / 'run.env'} && env -0"
    output = subprocess.run(["sh", "-c", script], env={"PATH": os.environ["PATH"]}, capture_output=True,
                            check=True).stdout
    return dict(item.split("=", 1) for item in output.decode().split("\0") if "=" in item)


MAKE_STAFF = ("from django.contrib.auth import get_user_model; "
              "u, _ = get_user_model().objects.get_or_create(username='mail-reader'); "
              "u.is_staff = True; u.set_password('mail-reader'); u.save()")


def test_a_digest_run_by_hand_lands_in_the_mail_folder_and_on_the_dev_mail_page(cold_run, new_var_dir, tmp_path):
    var_dir, mail_dir = new_var_dir("run-mail"), tmp_path / "mail"
    beacon = start_beacon_run(cold_run, var_dir, DEV_MAIL_DIR=str(mail_dir), DJANGO_SETTINGS_MODULE="settings.dev")
    try:
        wait_for(lambda: "Beacon is running at" in beacon.text(), timeout=120, message="the run's banner")
        site = beacon.text().split("Beacon is running at ")[1].split("/\n")[0]
        assert f"Mail it sends: {site}/dev/mail/ (log in as alice, staff; files in {mail_dir}/)" in beacon.text()

        # as the README says, in a second terminal, once the demo's notifications are stored
        env = {**os.environ, **run_env(var_dir)}

        def manage(*args) -> subprocess.CompletedProcess:
            return subprocess.run([sys.executable, "manage.py", *args], cwd=REPO, env=env, capture_output=True,
                                  text=True, timeout=120)

        wait_for(lambda: manage("shell", "-c", STORED_ALL).stdout.split()[-1:] == ["True"], timeout=120,
                 interval=1, message="the demo's notifications stored")
        sent = manage("send_digests", "--due-now", "--settle-minutes", "0")
        assert sent.returncode == 0, sent.stdout + sent.stderr
        # the demo's alice and bob: carol has only her own actions, which arrive read
        assert sent.stdout.startswith("Mailed 2 users"), sent.stdout

        files = sorted(mail_dir.glob("*.eml"))
        assert len(files) == 2
        assert b"List-Unsubscribe-Post: List-Unsubscribe=One-Click" in files[0].read_bytes()
        # the mailbox shows everyone's mail, to staff only: someone not logged in is sent to log in
        browser = Browser(site)
        assert browser.get("/dev/mail/").status == 302
        # (a staff user of the test's own: the demo's alice may predate this run's database)
        made = manage("shell", "-c", MAKE_STAFF)
        assert made.returncode == 0, made.stdout + made.stderr
        browser.log_in("mail-reader", "mail-reader")
        page = browser.get("/dev/mail/").text
        for name in ("alice", "bob"):
            assert f"{name}@example.org" in page
        assert "new notifications in Beacon" in page
    finally:
        os.kill(beacon.process.pid, signal.SIGTERM)
        try:
            beacon.process.wait(timeout=60)
        finally:
            beacon.kill()
    assert not (var_dir / "run.env").exists()  # gone with the run: no stale addresses for the next terminal
