from django.apps import AppConfig


class TasksConfig(AppConfig):
    """The worker side as a Django app, for its management commands (``manage.py dead_letters``).

    No models, and nothing loaded at start: a Django process that is not the
    worker (the web and realtime processes) does not load Celery or Kafka's
    clients for it.
    """

    name = "tasks"
    label = "tasks"
