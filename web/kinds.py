"""The kinds of notification: why a person is told of an action.

One definition for everything that names a kind: the events on Kafka (one
topic each), the stored notifications, the preference switches
(``app_<kind>``, ``mail_<kind>``), the API's choices, and the one name each
kind has wherever a person reads it (the list, its filter, the preferences).
Below every app, so each of them may name the kinds.
"""

from django.db import models


class Kind(models.TextChoices):
    OWNER = "owner", "Your own actions"
    GROUP = "group", "Your groups"
    WATCHING = "watching", "What you watch"


# The values in their order, as plain strings: field names and topics are built
# from them, and every event's kind is checked against them.
KINDS = tuple(Kind.values)
