"""The Celery application: ``celery -A tasks.celery:app worker`` / ``beat``.

Configured from Django settings (the ``CELERY_*`` names in settings/base.py);
its broker and result store are Redis.
"""

import gc
import os

from celery import Celery
from celery.signals import after_setup_logger, task_postrun, task_prerun, worker_process_init, worker_ready

from tasks.quiet_logs import quiet_sweeps

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings.dev")

app = Celery("beacon",
             include=["tasks.outbox", "tasks.notifications", "tasks.realtime", "tasks.repair", "tasks.digest",
                      "tasks.inbox"])
app.config_from_object("django.conf:settings", namespace="CELERY")

# Celery's Django fixup closes every database connection before and after
# each task unless CELERY_DB_REUSE_MAX is set: a new PostgreSQL connection
# per task, each a new backend process for the server to start, which costs
# more than most of Beacon's tasks' SQL. Tasks treat their connections as
# Django's requests do instead:
# kept for DATABASE_CONN_MAX_AGE, checked when reused after an error (a cut
# connection is closed, and the next query opens a new one), closed when old.
app.conf.update(CELERY_DB_REUSE_MAX=2**62)


@after_setup_logger.connect
def _quiet_sweeps(logger, **kwargs) -> None:
    quiet_sweeps(logger)  # (tasks/quiet_logs.py: a sweep that did nothing says nothing)


@task_prerun.connect
@task_postrun.connect
def _between_tasks_as_between_requests(**kwargs) -> None:
    from django.db import close_old_connections

    close_old_connections()


# A delivery makes tens of thousands of short-lived objects per batch; at
# Python's default threshold (700) the collector runs dozens of times a
# batch, each pass walking everything the process loaded at start as well.
# Frozen, what was loaded is left out of every pass; the higher threshold
# makes a batch cost a pass or two.
YOUNG_GENERATION_THRESHOLD = 10_000


@worker_process_init.connect
def _collect_garbage_per_batch_not_per_row(**kwargs) -> None:
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_GENERATION_THRESHOLD, older, oldest)


@worker_ready.connect
def _check_what_a_killed_worker_held(sender=None, **kwargs) -> None:
    # A worker killed holding tasks is the usual reason one starts, and Celery
    # gives what it held back only after CELERY_VISIBILITY_TIMEOUT_SECONDS:
    # the outbox checks every event in flight soon instead (web/outbox/healing.py).
    sender.app.send_task("tasks.outbox.heal_after_outage", args=["a Celery worker (started)"])
