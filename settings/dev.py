"""Development: debug pages, mail printed to the console, the dev app (demo data, the mailbox)."""

from settings.base import *
from settings.env import env_bool, env_str

DEBUG = env_bool("DEBUG", True)
# Development's metrics and health detail answer this public token (production refuses it).
OPERATOR_TOKEN = env_str("OPERATOR_TOKEN", DEV_OPERATOR_TOKEN)
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
# Mail `make run` received (dev/mail.py), shown at /dev/mail/ while DEBUG is on.
DEV_MAIL_DIR = env_str("DEV_MAIL_DIR", str(BASE_DIR / "var" / "mail"))
# The site's URLs and the development pages (the mailbox); production keeps web.urls.
ROOT_URLCONF = "dev.urls"
# `manage.py load_demo` and the mailbox's templates (dev/templates/); production has neither.
INSTALLED_APPS = [*INSTALLED_APPS, "dev"]
