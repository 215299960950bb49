"""Tests: the dev layer with a fast password hasher and mail kept in memory."""

import os

from settings.dev import *
from settings.env import env_str

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests that send through a real SMTP server on loopback (the digest's) set it for Beacon's processes.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")

# Two test runs on one machine at once (a developer's and CI's) each need a
# database of their own; pytest-django makes "test_<name>" unless told.
if os.environ.get("BEACON_TEST_DATABASE"):
    DATABASES["default"]["TEST"] = {"NAME": os.environ["BEACON_TEST_DATABASE"]}
