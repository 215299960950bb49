"""The run log a person reads: the banner kept in sight (dev/run.py), each warning once (settings' LOGGING)."""

import os
import subprocess
import sys
from pathlib import Path

from dev.run import BannerKeeper

ROOT = Path(__file__).resolve().parents[2]


def test_the_banner_comes_again_once_the_log_spoke_and_fell_quiet():
    keeper = BannerKeeper(quiet_seconds=120)
    assert not keeper.due(0)  # nothing shown yet
    keeper.shown("banner", now=0)
    assert not keeper.due(1000)  # idle since the banner: it is still what the terminal shows last
    keeper.said(now=1000)  # a line of the log scrolls it up
    assert not keeper.due(1119)
    assert keeper.due(1120)
    keeper.shown("banner", now=1120)
    assert not keeper.due(5000)  # once, not every two minutes


def test_a_web_warning_is_printed_once_with_debug_on():
    # (the dev settings, DEBUG on: Django's own console handler used to print it a second time)
    code = ("import logging, django; django.setup(); "
            "logging.getLogger('django.request').warning('Not Found: /api/v1/nothing')")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "settings.dev", "DEBUG": "1"}
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    printed = run.stdout + run.stderr
    assert printed.count("Not Found: /api/v1/nothing") == 1, printed
