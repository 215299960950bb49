"""Development: debug pages, mail printed to the console."""

from settings.base import *  # noqa: F401,F403
from settings.env import env_bool, env_str

DEBUG = env_bool("DEBUG", True)
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
