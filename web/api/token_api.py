"""My API tokens: list, create (the key in the answer, once), revoke. Someone else's token answers 404."""

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from web.api import tokens
from web.api.models import ApiToken
from web.api.parsing import StrictSerializer, parse


class ApiTokenSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    created = serializers.DateTimeField()
    last_used_at = serializers.DateTimeField(
        allow_null=True, help_text="the last request made with it, to within a minute; null: never used")


class NewApiTokenSerializer(ApiTokenSerializer):
    key = serializers.CharField(help_text="shown this once: send as the header Authorization: Token <key>")


class ApiTokenInput(StrictSerializer):
    name = serializers.CharField(max_length=tokens.NAME_MAX_LENGTH, help_text="e.g. where the token is used")


def token_data(token: ApiToken) -> dict:
    return {"id": token.pk, "name": token.name, "created": token.created, "last_used_at": token.last_used_at}


def refused(error: tokens.TokenRefused) -> exceptions.ValidationError:
    return exceptions.ValidationError({"name": error.messages})


class TokenList(APIView):
    @extend_schema(responses=ApiTokenSerializer(many=True), summary="My API tokens, newest first (no keys)")
    def get(self, request):
        return Response([token_data(token) for token in tokens.tokens_of(request.user)])

    @extend_schema(request=ApiTokenInput, responses={201: NewApiTokenSerializer},
                   summary=f"Create a named API token (at most {tokens.MAX_TOKENS_PER_USER}); its key is shown once")
    def post(self, request):
        try:
            token, key = tokens.create_token(request.user, parse(ApiTokenInput, request)["name"])
        except tokens.TokenRefused as error:
            raise refused(error) from None
        return Response({**token_data(token), "key": key}, status=status.HTTP_201_CREATED)


class TokenDetail(APIView):
    @extend_schema(responses={204: None}, summary="Revoke one of my tokens: refused at once, live updates too")
    def delete(self, request, pk: int):
        try:
            tokens.revoke_token(request.user, pk)
        except ApiToken.DoesNotExist:
            raise exceptions.NotFound("no such token") from None
        return Response(status=status.HTTP_204_NO_CONTENT)
