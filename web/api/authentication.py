"""DRF authentication by a named API token (web/api/tokens.py): ``Authorization: Token <key>`` or ``Bearer <key>``."""

from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from web.api.tokens import user_for_key

SCHEMES = (b"token", b"bearer")


class ApiTokenAuthentication(BaseAuthentication):
    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in SCHEMES:
            return None  # not ours: the session may still say who it is
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Invalid token header: give the key after the scheme, no spaces.")
        try:
            key = parts[1].decode("ascii")
        except UnicodeError:
            raise exceptions.AuthenticationFailed("Invalid token.") from None
        token = user_for_key(key)
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid token.")
        return token.user, token

    def authenticate_header(self, request):
        return "Token"
