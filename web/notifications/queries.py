"""Finding a user's notifications: the filters and cursor paging the page and the API share.

Filters combine: read state, kind, words, target, group (one row of the
grouped list: web/notifications/grouping.py). Paging is by id, newest
first: ``before`` is the last id of the previous page, so a page costs the
same however deep it is, and notifications arriving meanwhile never shift it.
"""

import re
from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery
from django.db import connection, transaction
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.db.models.expressions import RawSQL

from common.ids import BadId, optional_id, parse_id
from web.kinds import Kind
from web.notifications.models import Notice, Notification
from web.notifications.words import SIGNATURE_PREFIX
from web.postgres.lookups import Ids

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
STATES = ("all", "unread", "read")
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
        if not words:
            return None
        raw = " & ".join(f"{_lexeme(word)}:*" for word in words)
        return SearchQuery(raw, search_type="raw", config="simple")

    def apply_all_but_words(self, notifications):
        if self.state == "unread":
            notifications = notifications.filter(read_at__isnull=True)
        elif self.state == "read":
            notifications = notifications.filter(read_at__isnull=False)
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


# A search first looks through this many of the newest rows the other
# filters leave, checking each row's stored words: cheap, and enough to fill
# a page for any word in more than a few percent of them. Only a rarer word
# goes to the words index, whose few matches are then quick to fetch.
# (PostgreSQL cannot make that choice itself: it takes the user's share of
# the table and a word's share as independent, and so underestimates a word
# common for a heavy user by as much as their share of the table.)
SEARCH_WINDOW = 2000


def page_of(user, flt: NotificationFilter, *, before: int | None = None, limit: int = PAGE_SIZE) -> Page:
    notifications = flt.apply_all_but_words(Notification.objects.filter(_belongs_to(user.pk)))
    if before is not None:
        notifications = notifications.filter(id__lt=before)
    # Ordered as the per-user indexes are (user, then newest first), which
    # only they provide: see _belongs_to.
    notifications = notifications.order_by("user_id", "-id")
    query = flt.words_query()
    with transaction.atomic():
        _one_process_per_query()
        if query is None:
            rows = list(with_notices(notifications)[:limit + 1])
        else:
            rows = _newest_matching(notifications, query, _WORD.findall(flt.q), user.pk, limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, rows[-1].pk if more else None)


def _one_process_per_query() -> None:
    """No parallel workers for the rest of this transaction.

    A page's queries stop at the first 51 rows, newest first; PostgreSQL
    plans from estimates of the whole walk, and for a heavy user's walk it
    would start worker processes whose start costs more than the page.
    """
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")


def _newest_matching(notifications, query: SearchQuery, words: list[str], user_id: int, wanted: int) -> list:
    hit = ExpressionWrapper(Q(notice__words=query), output_field=BooleanField())
    window = list(notifications.annotate(hit=hit).values_list("id", "hit")[:SEARCH_WINDOW])
    ids = [id_ for id_, matches in window if matches][:wanted]
    if len(ids) < wanted and len(window) == SEARCH_WINDOW:
        ids += _older_matching(notifications, query, words, user_id, window[-1][0], wanted - len(ids))
    found = with_notices(Notification.objects.all()).in_bulk(ids)
    return [found[id_] for id_ in ids]


# A search for words in at most this many notices of the whole table starts from those notices.
RARE_IN_TABLE = 2000
# Rows whose signature may match, checked against their notices this many at a time.
CANDIDATES_PER_CHECK = 5000


def _older_matching(notifications, query: SearchQuery, words: list[str], user_id: int, before: int,
                    wanted: int) -> list[int]:
    """The newest ``wanted`` matches older than ``before``: through the words index when the words are rare
    in the whole table; else the user's rows whose words signature covers the search's (read from the
    index of their rows alone), then those rows' notices checked.

    A word common in the table but absent from this user's notifications
    costs one pass over the index of their rows, not a read of every notice
    of theirs; a search word shorter than the signature's prefix narrows
    nothing, and the notices are checked newest first without it.
    """
    in_table = list(Notice.objects.filter(words=query).values_list("id", flat=True)[:RARE_IN_TABLE + 1])
    if len(in_table) <= RARE_IN_TABLE:
        # Rare in the whole table: its few notices lead to the user's rows of them.
        return list(notifications.filter(id__lt=before, notice_id__any=Ids(in_table))
                    .values_list("id", flat=True)[:wanted])
    mask = _signature_mask(words)
    if not mask:
        return list(notifications.filter(id__lt=before, notice__words=query).values_list("id", flat=True)[:wanted])
    signed = RawSQL(f'"{Notification._meta.db_table}"."words_signature" & %s = %s', (mask, mask),
                    output_field=BooleanField())
    mine = Notification.objects.filter(_belongs_to(user_id), signed).order_by("user_id", "-id")
    ids: list[int] = []
    while len(ids) < wanted:
        candidates = list(mine.filter(id__lt=before).values_list("id", flat=True)[:CANDIDATES_PER_CHECK])
        if not candidates:
            break
        ids += notifications.filter(id__any=Ids(candidates), notice__words=query).values_list(
            "id", flat=True)[:wanted - len(ids)]
        if len(candidates) < CANDIDATES_PER_CHECK:
            break
        before = candidates[-1]
    return ids


def _signature_mask(words: list[str]) -> int:
    """The signature bits every match has (web/notifications/words.py): 0 when no word is long enough."""
    prefixes = sorted({_lexeme(word)[:SIGNATURE_PREFIX] for word in words if len(word) >= SIGNATURE_PREFIX})
    if not prefixes:
        return 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT bit_or(beacon_prefix_bits(left(lower(p), %s))) FROM unnest(%s::text[]) AS p",
                       [SIGNATURE_PREFIX, prefixes])
        return cursor.fetchone()[0] or 0


def with_notices(notifications):
    """``notifications`` read with their notices, in one query (the words left out: only searches read them)."""
    return notifications.select_related("notice").defer("notice__words")


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
