from django.apps import AppConfig


class DevConfig(AppConfig):
    """Development's Django app (settings.dev only): ``manage.py load_demo`` and the mailbox's templates."""

    name = "dev"
    label = "dev"
