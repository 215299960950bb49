"""A batch's new notifications: plain rows, written in one statement.

Delivery builds thousands of notifications a second. As Django model
instances they cost more than everything else in delivery together (building
each instance, preparing each value); as plain rows sent as one JSON
document to one ``INSERT … SELECT`` they cost a small part of it. Reading them
back stays with the model (web.notifications.models.Notification), whose
fields these are.
"""

from datetime import datetime

from django.db import transaction

from web.notifications.models import Notification
from web.postgres.arrays import json_rows

# The model's columns but the id and the generated ``words``: what an insert gives.
_COLUMNS = tuple(field.attname for field in Notification._meta.concrete_fields
                 if not field.primary_key and not getattr(field, "generated", False))


class NewNotification:
    """A notification about to be stored: the model's fields, and ``id`` once inserted."""

    __slots__ = ("id", *_COLUMNS)

    @classmethod
    def of(cls, event, user_id: int, reasons: list, kind: str, group: dict | None, *, actor_id: int | None,
           created: datetime, group_key: str) -> "NewNotification":
        n = cls()
        if kind == event.kind:
            n.group_id, n.group_name = event.group_id, event.group_name
        else:
            n.group_id, n.group_name = (group["id"], group["name"]) if group else (None, "")
        n.id = None
        n.user_id, n.event_id, n.action_id, n.kind, n.verb = user_id, event.id, event.action_id, kind, event.verb
        n.actor_id, n.actor_name = actor_id, event.actor_name
        n.target_type, n.target_id, n.target_name = event.target_type, event.target_id, event.target_name
        n.graph_id, n.graph_name = event.graph_id, event.graph_name
        n.member_id, n.member_name, n.old_name, n.link = event.member_id, event.member_name, event.old_name, event.link
        n.reasons, n.created, n.read_at, n.mailed_at, n.group_key = reasons, created, None, None, group_key
        return n


_NAMES = ", ".join(_COLUMNS)
_TABLE = Notification._meta.db_table
# The table's own row type gives each JSON field its column's type.
_INSERT = (f"INSERT INTO {_TABLE} ({_NAMES}) SELECT {_NAMES} FROM json_populate_recordset(NULL::{_TABLE}, %s::json)"
           " RETURNING id, user_id, action_id")


def insert(notifications: list[NewNotification]) -> None:
    """Store them, in one statement, and give each its ``id``."""
    if not notifications:
        return
    with transaction.get_connection().cursor() as cursor:
        cursor.execute(_INSERT, [json_rows([{name: getattr(n, name) for name in _COLUMNS} for n in notifications])])
        # One notification per (user, action): that pair finds each its id.
        ids = {(user_id, str(action_id)): pk for pk, user_id, action_id in cursor.fetchall()}
    for n in notifications:
        n.id = ids[n.user_id, n.action_id]  # delivery spells action ids as PostgreSQL does
