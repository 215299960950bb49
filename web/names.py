"""The one check of a user-chosen name, for the pages' forms, the API's serializers and the actions alike.

The rules and their reasons are in common.names; this is their Django
validator, so a page and the API refuse a name in the same words.
"""

from django.core.exceptions import ValidationError

from common.names import name_refusal


def validate_name(value: str) -> None:
    """A validator for a form field, a serializer field or an action: raises ValidationError with the reason."""
    refusal = name_refusal(value)
    if refusal:
        raise ValidationError(refusal, code="invisible_character")


def validate_tag(value: str) -> None:
    refusal = name_refusal(value, what="Tags")
    if refusal:
        raise ValidationError(refusal, code="invisible_character")
