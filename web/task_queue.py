"""Queueing a worker task by its name: web/'s one way of asking the Celery worker for something.

web/ never imports tasks/ (the worker's tasks call web's domain functions,
not the reverse), so it cannot call a task's ``.delay()``. It sends the same
message by the task's name instead, to the broker and queue the worker
reads, with a Celery app of its own configured from the same ``CELERY_*``
settings as tasks/celery.py's and used only to send. Not
``celery.current_app``: that is Beacon's app only in a process that imported
tasks.celery, and loading the worker's app into every Django process (the
realtime one too) would load all of Celery's worker side there for this.
"""

from celery import Celery

# No Django fix-up: it would make this app the process's default (the
# worker's must stay so) and set up database handling a sender never needs.
_sender = Celery("beacon", set_as_current=False, fixups=[])
_sender.config_from_object("django.conf:settings", namespace="CELERY")


def send_task(name: str) -> None:
    """Queue the task ``name`` without arguments, as its ``.delay()`` would; raises when the broker cannot take it."""
    _sender.send_task(name, ignore_result=True)
