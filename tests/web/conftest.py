"""Pages as a person at a browser meets them: Django's test client, logged in as a named user."""

import pytest
from django.test import Client


@pytest.fixture
def browser_for():
    """``browser_for(alice)``: a browser logged in as alice (``csrf=True``: one that checks CSRF like a real one)."""

    def make(user, *, csrf: bool = False) -> Client:
        client = Client(enforce_csrf_checks=csrf)
        client.force_login(user)
        return client

    return make


def page_text(response) -> str:
    return response.content.decode()
