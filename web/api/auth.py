"""A token for scripts: ``POST /api/v1/auth/token/`` with a username and password.

The answer is the user's token, made on first use and the same afterwards
(DRF's authtoken), to send as ``Authorization: Token <key>``.
"""

from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from web.api.parsing import StrictSerializer, parse


class TokenInput(StrictSerializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="send as the header Authorization: Token <token>")


class ObtainToken(APIView):
    # No session here: a logged-in browser must not need a CSRF token to ask,
    # and the password is the proof.
    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(request=TokenInput, responses=TokenSerializer, auth=[],
                   summary="My API token, for a username and password")
    def post(self, request):
        credentials = parse(TokenInput, request)
        user = authenticate(request._request, **credentials)
        if user is None:
            raise exceptions.ValidationError("wrong username or password")
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})
