"""A batch's new notices and notifications: plain rows, written in two statements.

Delivery stores thousands of notifications a second. What an event says is
one notice (two when a reader is told as another kind than the event's);
what each reader owns is a row of integers over it. The notices go as one
JSON document to one ``INSERT … SELECT``; the readers' rows as parallel
arrays to one ``INSERT … SELECT unnest(…)``: an array literal is one string
built at once and one parse on the server, where a JSON document would
carry each row's field names again. Reading them back stays with the models
(web.notifications.models), whose fields these are.
"""

from datetime import datetime

from django.db import transaction

from web.notifications.models import Notice, Notification
from web.postgres.arrays import int_array, json_rows

# The notice's columns but the id and the generated ones: what an insert gives.
_NOTICE_COLUMNS = tuple(field.attname for field in Notice._meta.concrete_fields
                        if not field.primary_key and not getattr(field, "generated", False))


class NoticeDraft:
    """A notice about to be stored, with the readers it tells; ``id`` once inserted."""

    __slots__ = ("id", *_NOTICE_COLUMNS, "readers", "_reasons_index")

    @classmethod
    def of(cls, event, kind: str, group: dict | None, *, actor_id: int | None, created: datetime) -> "NoticeDraft":
        n = cls()
        n.id = None
        if kind == event.kind:
            n.group_id, n.group_name = event.group_id, event.group_name
        else:
            n.group_id, n.group_name = (group["id"], group["name"]) if group else (None, "")
        n.event_id, n.action_id, n.kind, n.verb = event.id, event.action_id, kind, event.verb
        n.actor_id, n.actor_name = actor_id, event.actor_name
        n.target_type, n.target_id, n.target_name = event.target_type, event.target_id, event.target_name
        n.graph_id, n.graph_name = event.graph_id, event.graph_name
        n.member_id, n.member_name, n.old_name, n.link = event.member_id, event.member_name, event.old_name, event.link
        n.created, n.group_key, n.reasons = created, "", []
        n.readers = []  # (user id, reasons index, read)
        n._reasons_index = {}
        return n

    @property
    def unique_key(self) -> tuple:
        return self.event_id, self.kind, self.group_id, self.group_key

    def tell(self, user_id: int, reasons: list, *, read: bool) -> None:
        # Readers told for the same reasons share one list (the audience's,
        # and so the event's): each list is stored once, by identity first.
        index = self._reasons_index.get(id(reasons))
        if index is None:
            try:
                index = self.reasons.index(reasons)
            except ValueError:
                index = len(self.reasons)
                self.reasons.append(reasons)
            self._reasons_index[id(reasons)] = index
        self.readers.append((user_id, index, read))


_NOTICES = Notice._meta.db_table
_NAMES = ", ".join(_NOTICE_COLUMNS)
# The table's own row type gives each JSON field its column's type. A notice
# already there (a redelivered event) is not stored again, nor are its readers.
_INSERT_NOTICES = (f"INSERT INTO {_NOTICES} ({_NAMES})"
                   f" SELECT {_NAMES} FROM json_populate_recordset(NULL::{_NOTICES}, %s::json)"
                   " ON CONFLICT DO NOTHING RETURNING id, event_id, kind, group_id, group_key, signature, signature_b")
_INSERT_NOTIFICATIONS = (
    f"INSERT INTO {Notification._meta.db_table} (user_id, notice_id, reasons_index, read_at, words_signature,"
    " words_signature_b)"
    " SELECT u, n, r, CASE WHEN a THEN c END, w, b"
    " FROM unnest(%s::int[], %s::bigint[], %s::smallint[], %s::boolean[], %s::timestamptz[], %s::bigint[],"
    " %s::bigint[]) AS v(u, n, r, a, c, w, b)"
    " RETURNING id, user_id, notice_id")


def insert(drafts: list[NoticeDraft]) -> dict[tuple[int, int], int]:
    """Store the notices and their readers' notifications: {(notice id, user id): notification id}.

    A draft whose notice was stored before (a redelivered event) gets no id
    and tells nobody again.
    """
    if not drafts:
        return {}
    with transaction.get_connection().cursor() as cursor:
        cursor.execute(_INSERT_NOTICES, [json_rows([{name: getattr(d, name) for name in _NOTICE_COLUMNS}
                                                    for d in drafts])])
        ids = {(str(event_id), kind, group_id, group_key): (pk, (signature, signature_b))
               for pk, event_id, kind, group_id, group_key, signature, signature_b in cursor.fetchall()}
        signatures = {}
        for d in drafts:
            d.id, signatures[d.id] = ids.get(d.unique_key, (None, None))  # event ids spelt as PostgreSQL does
        stored = [d for d in drafts if d.id is not None]
        users, notices, reasons, read, created, signed, signed_b = [], [], [], [], [], [], []
        for d in stored:
            when, (signature, signature_b) = d.created.isoformat(), signatures[d.id]
            for user_id, index, is_read in d.readers:
                users.append(user_id)
                notices.append(d.id)
                reasons.append(index)
                read.append("t" if is_read else "f")
                created.append(when)
                signed.append(signature)
                signed_b.append(signature_b)
        if not users:
            return {}
        cursor.execute(_INSERT_NOTIFICATIONS, [int_array(users), int_array(notices), int_array(reasons),
                                               "{" + ",".join(read) + "}", _text_array(created),
                                               int_array(signed), int_array(signed_b)])
        return {(notice_id, user_id): pk for pk, user_id, notice_id in cursor.fetchall()}


def _text_array(values: list[str]) -> str:
    """ISO times as an array literal (quoted: a time has spaces and colons)."""
    return "{" + ",".join(f'"{value}"' for value in values) + "}"
