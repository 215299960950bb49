"""Production: refuses to start with the development key or with DEBUG on."""

from django.core.exceptions import ImproperlyConfigured

from settings.base import *  # noqa: F401,F403
from settings.base import DEBUG, DEV_SECRET_KEY, SECRET_KEY
from settings.env import env_bool

if SECRET_KEY == DEV_SECRET_KEY or not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set to a secret value in production")
if len(SECRET_KEY) < 32:
    raise ImproperlyConfigured("SECRET_KEY is too short for production (at least 32 characters)")
if DEBUG:
    raise ImproperlyConfigured("DEBUG must be off in production")

SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
