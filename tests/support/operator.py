"""What an operator's scraper sends to read metrics and health detail: the operators' token."""

from django.conf import settings


def operator_headers() -> dict:
    return {"Authorization": f"Bearer {settings.OPERATOR_TOKEN}"}
