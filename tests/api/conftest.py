"""API clients for named users (imports inside: this file loads before Django is set up)."""

import pytest


@pytest.fixture
def api_as():
    """``api_as(alice)``: an API client sending Alice's token."""
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    def client_for(user):
        client = APIClient()
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return client_for
