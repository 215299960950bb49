"""Production refuses unsafe settings at start-up, naming the problem."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STRONG_KEY = "k" * 50


def load_production(**env):
    clean = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG")}
    return subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; settings.DATABASES; print('loaded')"],
        cwd=ROOT, env={**clean, "DJANGO_SETTINGS_MODULE": "settings.production", **env},
        capture_output=True, text=True, timeout=60,
    )


def test_production_refuses_the_development_secret_key():
    result = load_production()
    assert result.returncode != 0
    assert "SECRET_KEY must be set to a secret value in production" in result.stderr


def test_production_refuses_debug():
    result = load_production(SECRET_KEY=STRONG_KEY, DEBUG="true")
    assert result.returncode != 0
    assert "DEBUG must be off in production" in result.stderr


def test_production_starts_with_a_real_key_and_debug_off():
    result = load_production(SECRET_KEY=STRONG_KEY)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "loaded"


def test_a_malformed_variable_is_named():
    result = load_production(SECRET_KEY=STRONG_KEY, REALTIME_DB_POOL_SIZE="many")
    assert result.returncode != 0
    assert "REALTIME_DB_POOL_SIZE='many' is not an integer" in result.stderr
