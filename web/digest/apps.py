from django.apps import AppConfig


class DigestConfig(AppConfig):
    name = "web.digest"
    label = "digest"
    verbose_name = "Email digest"
