from django.apps import AppConfig

from web.digest.dkim_signing import check_settings


class DigestConfig(AppConfig):
    name = "web.digest"
    label = "digest"
    verbose_name = "Email digest"

    def ready(self):
        check_settings()  # a DKIM key that cannot sign stops the process here, not at the first digest
