from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "web.api"
    label = "api"
    verbose_name = "JSON API"

    def ready(self):
        from django.db.models.signals import post_delete

        from web.api.models import ApiToken
        from web.api.tokens import on_token_deleted

        # Every way a token goes (revoked, replaced, the admin, its user deleted): its live updates end.
        post_delete.connect(on_token_deleted, sender=ApiToken, dispatch_uid="beacon-revoke-on-api-token-delete")
