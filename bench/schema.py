"""How a bench database stores notifications, for the bench code that reads or writes the tables itself.

bench/before.py runs this bench code on earlier commits too, and their tables differ:

- notices: ``notifications_notice`` holds what an event says (names, link, kind, group key, reasons lists,
  words) once, and each reader's ``notifications_notification`` row keeps its user, its notice, which of the
  notice's reasons lists is theirs, and its read and mailed times;
- whole rows: each ``notifications_notification`` row holds all of it.

The rest of bench/ asks :func:`schema_of` which it is looking at, and takes its SQL from the answer.
"""

from dataclasses import dataclass

NOTIFICATIONS = "notifications_notification"
NOTICES = "notifications_notice"


@dataclass(frozen=True)
class Schema:
    notices: bool

    @property
    def name(self) -> str:
        return "notices" if self.notices else "whole rows"

    @property
    def tables(self) -> tuple[str, ...]:
        """The tables a notification is stored in, its own row's first."""
        return (NOTIFICATIONS, NOTICES) if self.notices else (NOTIFICATIONS,)

    @property
    def notifications(self) -> str:
        """A FROM item: the notifications as ``n``, and what each says (kind, graph_id, action_id...) under its
        bare column name (``id`` is ambiguous with notices: say ``n.id``)."""
        if self.notices:
            return f"{NOTIFICATIONS} n JOIN {NOTICES} c ON c.id = n.notice_id"
        return f"{NOTIFICATIONS} n"

    @property
    def stream_notification_id(self) -> str:
        """SQL: the id of the notification a stream event ``s`` is about (NULL when it is about none).

        With notices a new event names it in a column of its own; events stored
        before keep it in their payload, as every event did with whole rows.
        """
        in_payload = "(s.payload->'notification'->>'id')::bigint"
        return f"coalesce(s.notification_id, {in_payload})" if self.notices else in_payload


def schema_of(cursor) -> Schema:
    """The schema of the database ``cursor`` is connected to (a DB-API cursor: psycopg2's, or Django's)."""
    cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [NOTICES])
    return Schema(notices=cursor.fetchone()[0])
