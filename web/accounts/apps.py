from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "web.accounts"
    label = "accounts"

    def ready(self):
        from web.accounts import revocation, throttle  # noqa: F401  (throttle: its receiver, by importing it)

        revocation.connect()
