"""Finding a user's notifications: the filters and cursor paging the page and the API share.

Filters combine: read state (or the Done and Saved views), kind, words, target, group (one row of the
grouped list: web/notifications/grouping.py). Paging is by id, newest
first: ``before`` is the last id of the previous page, so a page costs the
same however deep it is, and notifications arriving meanwhile never shift it.
"""

import json
import re
from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL

from common.ids import BadId, optional_id, parse_id
from common.notification_text import reasons_at
from web.kinds import Kind
from web.notifications.models import IN_INBOX, NOTICE_FIELDS, Notice, Notification, NotificationReading
from web.notifications.words import SIGNATURE_PREFIX
from web.postgres.lookups import Ids

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
# The inbox's states (all, unread, read) leave done and snoozed ones out; "done", "snoozed" and "saved"
# are views of their own.
STATES = ("all", "unread", "read", "done", "snoozed", "saved")
INBOX_STATES = ("all", "unread", "read")
TARGET_TYPES = ("graph", "layout", "group")
# kind:target_type:target_id:event (web/notifications/delivery.py), or n<id> for a notification alone.
_GROUP_KEY = re.compile(r"[a-z]+:[a-z]+:\d{1,19}:[0-9a-f]{1,32}|n\d{1,19}")
_ALONE = re.compile(r"n(\d{1,19})")
# Letters and digits in any script, as the stored words are split (models.WORD_RUN).
_WORD = re.compile(r"[^\W_]+")


class BadFilter(ValueError):
    """A filter or paging parameter that cannot be read; the message names it."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field


@dataclass(frozen=True)
class NotificationFilter:
    state: str = "all"
    kind: str = ""
    q: str = ""
    target: str = ""  # "graph:12", "layout:5" or "group:3"
    group: str = ""  # a group_key (as the API and the events give it)

    @classmethod
    def from_params(cls, params) -> "NotificationFilter":
        """From a query string (or form). Blank means "any"; anything else unknown is an error."""
        state = (params.get("state") or "all").strip()
        if state not in STATES:
            raise BadFilter("state", f"must be one of {', '.join(STATES)}")
        kind = (params.get("kind") or "").strip()
        if kind and kind not in Kind.values:
            raise BadFilter("kind", f"must be one of {', '.join(Kind.values)}")
        q = (params.get("q") or "").strip()
        if len(q) > 200:
            raise BadFilter("q", "at most 200 characters")
        target = _target((params.get("target") or "").strip())
        group = (params.get("group") or "").strip()
        if group and not _GROUP_KEY.fullmatch(group):
            raise BadFilter("group", "must be a group_key as a notification gives it")
        return cls(state=state, kind=kind, q=q, target=target, group=group)

    def as_params(self) -> dict:
        """The filter as query parameters, leaving out what is "any" (for links and forms)."""
        params = {"state": self.state if self.state != "all" else "", "kind": self.kind, "q": self.q,
                  "target": self.target, "group": self.group}
        return {key: value for key, value in params.items() if value}

    @property
    def is_empty(self) -> bool:
        return not self.as_params()

    def apply(self, notifications):
        """``notifications`` narrowed by every filter."""
        query = self.words_query()
        notifications = self.apply_all_but_words(notifications)
        return notifications if query is None else notifications.filter(notice__words=query)

    def words_query(self) -> SearchQuery | None:
        """Every word must appear, as a word or the start of one; None when there are no words."""
        words = _WORD.findall(self.q)
        return _search_query(_raw_query(words)) if words else None

    def apply_all_but_words(self, notifications):
        if self.state in INBOX_STATES:
            # As the index of the inbox says it (models: notification_user_inbox).
            notifications = notifications.filter(IN_INBOX)
        if self.state == "unread":
            notifications = notifications.filter(read_at__isnull=True)
        elif self.state == "read":
            notifications = notifications.filter(read_at__isnull=False)
        elif self.state == "done":
            notifications = notifications.filter(done_at__isnull=False)
        elif self.state == "snoozed":
            notifications = notifications.filter(snoozed_until__isnull=False)
        elif self.state == "saved":
            notifications = notifications.filter(saved=True)
        if self.kind:
            notifications = notifications.filter(notice__kind=self.kind)
        if self.target:
            notifications = notifications.filter(_target_q(self.target))
        if self.group:
            notifications = notifications.filter(_group_q(self.group))
        return notifications


def _target(raw: str) -> str:
    """The target as "graph:12", or "" for none; its id is read as every id is (common.ids)."""
    if not raw:
        return ""
    target_type, _, raw_id = raw.partition(":")
    try:
        target_id = parse_id(raw_id, "target")
    except BadId:
        target_id = None
    if target_type not in TARGET_TYPES or target_id is None:
        raise BadFilter("target", "must be graph:<id>, layout:<id> or group:<id>")
    return f"{target_type}:{target_id}"


def _group_q(group: str) -> Q:
    alone = _ALONE.fullmatch(group)
    if alone:  # a notification without a group_key: a group of its own (Notification.grouping_key)
        return Q(pk=int(alone[1]), notice__group_key="")
    return Q(notice__group_key=group)


def _target_q(target: str) -> Q:
    target_type, target_id = target.split(":")
    target_id = int(target_id)  # checked by _target
    if target_type == "graph":
        return Q(notice__graph_id=target_id)  # the graph, and its layouts
    if target_type == "group":
        return Q(notice__group_id=target_id) | Q(notice__target_type="group", notice__target_id=target_id)
    return Q(notice__target_type="layout", notice__target_id=target_id)


@dataclass(frozen=True)
class Page:
    notifications: list
    next_before: int | None  # pass as ``before`` for the next page; None at the end


def page_of(user, flt: NotificationFilter, *, before: int | None = None, limit: int = PAGE_SIZE) -> Page:
    notifications = flt.apply_all_but_words(Notification.objects.filter(_belongs_to(user.pk)))
    if before is not None:
        notifications = notifications.filter(id__lt=before)
    # Ordered as the per-user indexes are (user, then newest first), which
    # only they provide: see _belongs_to.
    notifications = notifications.order_by("user_id", "-id")
    # The page's ids first, then its rows: a filter on what the notices say
    # then joins them to the few columns of the index of the user's rows,
    # not to every column of every row it passes over.
    words = _WORD.findall(flt.q)
    if words:
        ids = _newest_matching(notifications, words, limit + 1)
    else:
        ids = list(notifications.values_list("id", flat=True)[:limit + 1])
    more = len(ids) > limit
    rows = listed(ids[:limit])
    return Page(rows, rows[-1].id if more else None)


def listed(ids: list[int]) -> list:
    """The notifications of ``ids``, in that order, as ListedNotification."""
    if not ids:
        return []
    found = {values[0]: ListedNotification(values)
             for values in Notification.objects.filter(id__any=Ids(ids)).values_list(*_LISTED_PATHS)}
    return [found[id_] for id_ in ids]


# A listed notification's own columns; its notice's follow (models.NOTICE_FIELDS, and the reasons lists).
LISTED_COLUMNS = ("id", "user_id", "notice_id", "reasons_index", "read_at", "mailed_at", "done_at", "saved",
                  "snoozed_until")


class ListedNotification(NotificationReading):
    """A notification of a page, read as plain values with its notice's: what the page, the bell and the
    API show of it, without building two model instances a row (the list's largest cost after its SQL)."""

    __slots__ = (*LISTED_COLUMNS, *NOTICE_FIELDS, "reasons")

    def __init__(self, values):
        for name, value in zip(self.__slots__, values, strict=True):
            setattr(self, name, value)
        self.reasons = reasons_at(self.reasons, self.reasons_index)

    @property
    def pk(self) -> int:
        return self.id


_LISTED_PATHS = (*LISTED_COLUMNS, *(f"notice__{name}" for name in NOTICE_FIELDS), "notice__reasons")


# A search for words in at most this many notices of the whole table starts
# from those notices; any other walks the user's rows, newest first.
RARE_IN_TABLE = 2000


def _newest_matching(notifications, words: list[str], wanted: int) -> list[int]:
    """The ids of the newest ``wanted`` of ``notifications`` whose notices have every word.

    PostgreSQL cannot choose between the two ways itself: it takes the
    user's share of the table and a word's share as independent, and so
    underestimates a word common for a heavy user by as much as their share
    of the table. But it knows the word's share of the notices well (its
    statistics of their words), and a word in few notices is best found
    from them, whoever has it.
    """
    raw = _raw_query(words)
    if _notices_estimated(raw) <= RARE_IN_TABLE:
        in_table = list(Notice.objects.filter(words=_search_query(raw)).values_list("id", flat=True)
                        [:RARE_IN_TABLE + 1])
        if len(in_table) <= RARE_IN_TABLE:
            # The user has at most one row per notice: all of theirs, found one notice at a time
            # (asked for the newest few, PostgreSQL would walk their rows hoping to meet them soon).
            mine = notifications.filter(notice_id__any=Ids(in_table)).order_by().values_list("id", flat=True)
            return sorted(mine, reverse=True)[:wanted]
    if not _signature_prefixes(words):  # nothing to narrow the walk: PostgreSQL's own plan
        return list(notifications.filter(notice__words=_search_query(raw)).values_list("id", flat=True)[:wanted])
    return list(_walk(notifications, words, raw).values_list("id", flat=True)[:wanted])


def _walk(notifications, words: list[str], raw: str):
    """``notifications`` whose notices have the words, read newest first, each row's notice only when its
    signatures cover the search's (web/notifications/words.py), stopping at the page's last.

    The notice is checked in a subquery per row, which PostgreSQL runs for
    each row it reaches and does not turn into a join: a join would have it
    gather every notice with a word common in the table before the first
    row, whereas this, for a word in many of the user's notices, reads
    barely more than a page of them, and for one in none, the index of
    their rows and the few notices whose signatures happen to cover it.
    The words must narrow: at least one as long as the signature's prefix.
    """
    table = f'"{Notification._meta.db_table}"'
    matches = RawSQL(f"(SELECT n.words @@ to_tsquery('simple', %s) FROM \"{Notice._meta.db_table}\" n"
                     f' WHERE n.id = {table}."notice_id")', (raw,), output_field=BooleanField())
    # Each mask is computed once per query (an initplan), by the functions that made the stored bits.
    signed = " AND ".join(
        f'{table}."{column}" & (SELECT bit_or({bits}(p)) FROM unnest(%s::text[]) AS p)'
        f" = (SELECT bit_or({bits}(p)) FROM unnest(%s::text[]) AS p)"
        for column, bits in (("words_signature", "beacon_prefix_bits"), ("words_signature_b", "beacon_prefix_bits_b")))
    prefixes = _signature_prefixes(words)
    return notifications.filter(RawSQL(signed, [prefixes] * 4, output_field=BooleanField()), matches)


def _signature_prefixes(words: list[str]) -> list[str]:
    """The prefixes whose bits every match's signatures have: none when no word is long enough."""
    return sorted({_lexeme(word)[:SIGNATURE_PREFIX] for word in words if len(word) >= SIGNATURE_PREFIX})


def _notices_estimated(raw: str) -> float:
    """How many notices PostgreSQL expects to have the words: its plan's rows, from its statistics."""
    with connection.cursor() as cursor:
        cursor.execute(f'EXPLAIN (FORMAT JSON) SELECT 1 FROM "{Notice._meta.db_table}"'
                       " WHERE words @@ to_tsquery('simple', %s)", [raw])
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return plan[0]["Plan"]["Plan Rows"]


def with_notices(notifications):
    """``notifications`` read with their notices, in one query (the words left out: only searches read them)."""
    return notifications.select_related("notice").defer("notice__words")


def _raw_query(words: list[str]) -> str:
    """Every word, as a word or the start of one, in to_tsquery's syntax (the words have no operators)."""
    return " & ".join(f"{_lexeme(word)}:*" for word in words)


def _search_query(raw: str) -> SearchQuery:
    return SearchQuery(raw, search_type="raw", config="simple")


def _lexeme(word: str) -> str:
    """A search word as the stored words spell it (web/notifications/words.py): lower case."""
    return word.lower()


def _belongs_to(user_id: int) -> RawSQL:
    """``user_id = ANY(ARRAY[<id>])``: the same rows as ``user_id = <id>``, planned for paging.

    With ``= <id>`` PostgreSQL treats the user as a constant and drops it from
    the ORDER BY; then for a user with a large share of the table it may walk
    the primary key backwards, expecting their rows spread evenly, and when
    they are not (all older than everyone else's) it filters past everyone
    else's rows to reach theirs. Written as ``= ANY``, the ORDER BY
    (user_id, id DESC) stays, and only the per-user indexes give that order.
    """
    column = f'"{Notification._meta.db_table}"."user_id"'
    return RawSQL(f"{column} = ANY(%s)", ([user_id],), output_field=BooleanField())


def parse_paging(params, *, default_limit: int = PAGE_SIZE) -> tuple[int | None, int]:
    """``before`` and ``limit`` from a query string, each checked."""
    before = _positive_int(params.get("before"), "before")
    limit = _positive_int(params.get("limit"), "limit")
    if limit is not None and limit > MAX_PAGE_SIZE:
        raise BadFilter("limit", f"at most {MAX_PAGE_SIZE}")
    return before, limit or default_limit


def _positive_int(raw, field: str) -> int | None:
    try:
        return optional_id(raw, field)
    except BadId as error:
        raise BadFilter(field, f"must be {error.expected}") from None
