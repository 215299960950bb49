"""The Celery application: ``celery -A tasks.celery:app worker`` / ``beat``.

Configured from Django settings (the ``CELERY_*`` names in settings/base.py);
its broker and result store are Redis.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings.dev")

app = Celery("beacon", include=["tasks.outbox", "tasks.notifications", "tasks.realtime", "tasks.repair", "tasks.digest"])
app.config_from_object("django.conf:settings", namespace="CELERY")
