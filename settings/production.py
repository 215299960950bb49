"""Production: refuses to start with the development key or operator token, or with DEBUG on."""

from django.core.exceptions import ImproperlyConfigured

from settings.base import *
from settings.base import (
    BASE_DIR,
    DEBUG,
    DEV_OPERATOR_TOKEN,
    DEV_SECRET_KEY,
    OPERATOR_TOKEN,
    SECRET_KEY,
    STATIC_ROOT,
    STORAGES,
)
from settings.env import env_bool

if SECRET_KEY == DEV_SECRET_KEY or not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set to a secret value in production")
if len(SECRET_KEY) < 32:
    raise ImproperlyConfigured("SECRET_KEY is too short for production (at least 32 characters)")
if DEBUG:
    raise ImproperlyConfigured("DEBUG must be off in production")
if OPERATOR_TOKEN == DEV_OPERATOR_TOKEN or 0 < len(OPERATOR_TOKEN) < 32:
    raise ImproperlyConfigured("OPERATOR_TOKEN must be a secret of at least 32 characters in production "
                               "(or empty: the operators' endpoints are then off)")

SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
SECURE_CONTENT_TYPE_NOSNIFF = True

# Static files from STATIC_ROOT, as `python manage.py collectstatic --noinput`
# (a step of every deploy) left them: names with a hash of their content, so
# whitenoise can let browsers cache them for a year, and compressed copies.
STATIC_ROOT = STATIC_ROOT or str(BASE_DIR / "var" / "static")
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}}
WHITENOISE_USE_FINDERS = False
