"""A token for scripts: ``POST /api/v1/auth/token/`` with a username and password.

Each call makes a named token (web/api/tokens.py) and answers its key, to
send as ``Authorization: Token <key>``. The name is the request's ``name``,
or "auth/token/"; a token of that name the user already has is revoked and
replaced, so a script that asks at every run keeps one token rather than
filling the user's 20. Failures count
towards the same lockout as the login page's (web/accounts/throttle.py): a
locked-out username or address gets 429 with Retry-After, even with the
right password.
"""

from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from web.accounts.throttle import forget_failures, is_locked_out, lockout_message, seconds_until_unlocked
from web.api import tokens
from web.api.errors import ErrorSerializer
from web.api.parsing import StrictSerializer, parse

DEFAULT_NAME = "auth/token/"


class TokenInput(StrictSerializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})
    name = serializers.CharField(max_length=tokens.NAME_MAX_LENGTH, required=False, default=DEFAULT_NAME,
                                 help_text=f'the token\'s name, "{DEFAULT_NAME}" if none; one of that name is replaced')


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="send as the header Authorization: Token <token>")


class LoginsLockedOut(exceptions.APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "too_many_failed_logins"

    def __init__(self, wait: int):
        super().__init__(lockout_message(wait))
        self.wait = wait  # web.api.errors sends it as Retry-After


class ObtainToken(APIView):
    # No session here: a logged-in browser must not need a CSRF token to ask,
    # and the password is the proof.
    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(request=TokenInput, responses={200: TokenSerializer, 429: ErrorSerializer}, auth=[],
                   summary="A new named API token for a username and password (replacing one of that name)")
    def post(self, request):
        given = parse(TokenInput, request)
        credentials = {"username": given["username"], "password": given["password"]}
        user = authenticate(request._request, **credentials)
        if is_locked_out(request._request):
            raise LoginsLockedOut(seconds_until_unlocked(request._request, credentials))
        if user is None:
            raise exceptions.ValidationError("wrong username or password")
        forget_failures(request._request, user.get_username())
        try:
            _, key = tokens.create_token(user, given["name"], replace=True)
        except tokens.TokenRefused as error:
            raise exceptions.ValidationError({"name": error.messages}) from None
        return Response({"token": key})
