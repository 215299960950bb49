"""Graph search: the graphs a user can see whose name, tag, owner's name or group's name contains the words.

One query, in PostgreSQL, newest first by cursor (``before``, a graph id),
as a union of three arms, each ordered and limited to the page on its own:

* name or tag: ``(name || ' ' || tags::text) ILIKE '%words%'``, the very
  expression of the trigram index ``graph_search_trgm`` (migration 0003), so
  a rare word is found through the index; a word in most graphs is found by
  walking the graphs newest first until a page is full. The planner picks
  between the two per query, which it can only because the permission test
  is a filter on each row (the owner, or a share with one of the user's
  groups), not an OR of two sets it would have to build whole first;
* the owner's username: the users whose name matches, then their graphs
  (the graphs' owner index), those the user may see;
* a group's name: only the user's own groups are matched (a graph shared
  with a group one is not in does not tell its name), then their graphs
  newest first (``share_group_graph``). What a member sees of a group's
  graphs is all of them, so this arm needs no other test.

The union then keeps the page's newest. The rule of who sees what is
web/graphs/visibility.py's; this query is that rule written so that an index
can serve it, and tests/web/test_graph_search.py holds the two to each other.
"""

from django.db import connection

from common.ids import BIGINT_MAX
from common.names import character_label, refused_characters
from web.graphs.models import Graph
from web.groups.actions import shown_groups

# Longer than any name Beacon stores (a graph's is 200 characters at most); a
# search longer than this is not a person typing.
SEARCH_MAX = 200
PER_PAGE = 50

_QUERY = """
WITH mine AS (SELECT group_id FROM groups_membership WHERE user_id = %(user)s)
SELECT id FROM (
  (SELECT g.id FROM graphs_graph g
    WHERE (g.name || ' ' || g.tags::text) ILIKE %(pattern)s AND g.id < %(before)s
      AND (g.owner_id = %(user)s OR EXISTS (SELECT 1 FROM graphs_graphshare s
                                            WHERE s.graph_id = g.id AND s.group_id IN (SELECT group_id FROM mine)))
    ORDER BY g.id DESC LIMIT %(limit)s)
  UNION
  (SELECT g.id FROM graphs_graph g JOIN auth_user u ON u.id = g.owner_id
    WHERE u.username ILIKE %(pattern)s AND g.id < %(before)s
      AND (g.owner_id = %(user)s OR EXISTS (SELECT 1 FROM graphs_graphshare s
                                            WHERE s.graph_id = g.id AND s.group_id IN (SELECT group_id FROM mine)))
    ORDER BY g.id DESC LIMIT %(limit)s)
  UNION
  (SELECT s.graph_id AS id FROM graphs_graphshare s JOIN groups_group gr ON gr.id = s.group_id
    WHERE gr.name ILIKE %(pattern)s AND s.group_id IN (SELECT group_id FROM mine) AND s.graph_id < %(before)s
    ORDER BY s.graph_id DESC LIMIT %(limit)s)
) found
ORDER BY id DESC LIMIT %(limit)s
"""


class BadSearch(ValueError):
    """Words that are not a search: the message says why."""


def clean_words(raw: str | None) -> str:
    """The words to search for, stripped; BadSearch for too long, or for control and invisible characters."""
    words = (raw or "").strip()
    if len(words) > SEARCH_MAX:
        raise BadSearch(f"A search can be at most {SEARCH_MAX} characters long (this one has {len(words):,}).")
    refused = refused_characters(words)
    if refused:
        labels = ", ".join(character_label(char) for char in refused[:3])
        raise BadSearch(f"A search cannot contain control or invisible characters ({labels}).")
    return words


def like_pattern(words: str) -> str:
    """``%words%`` for ILIKE, with ``%``, ``_`` and the escape character itself taken literally."""
    escaped = words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def query(user_id: int, words: str, *, before: int | None, limit: int) -> tuple[str, dict]:
    """The SQL and its parameters (for search_ids, and for the bench's EXPLAIN of the very same query)."""
    return _QUERY, {"user": user_id, "pattern": like_pattern(words), "limit": limit,
                    "before": BIGINT_MAX if before is None else before}


def search_ids(user, words: str, *, before: int | None = None, limit: int = PER_PAGE) -> list[int]:
    """The ids of the newest ``limit`` graphs ``user`` sees that match ``words``, below ``before``."""
    with connection.cursor() as cursor:
        cursor.execute(*query(user.pk, words, before=before, limit=limit))
        return [row[0] for row in cursor.fetchall()]


def search_page(user, words: str, *, before: int | None = None) -> tuple[list[Graph], int | None]:
    """A page of matching graphs, ready for their rows, and the cursor of the next (older) page or None."""
    ids = search_ids(user, words, before=before, limit=PER_PAGE + 1)
    older = ids[PER_PAGE - 1] if len(ids) > PER_PAGE else None
    ids = ids[:PER_PAGE]
    graphs = {graph.pk: graph for graph in for_rows(Graph.objects.filter(pk__in=ids), user)}
    return [graphs[pk] for pk in ids if pk in graphs], older


def for_rows(graphs, user):
    """``graphs`` as their rows (graphs/_row.html) show them: the owner, and ``shown_groups``, the user's groups
    each is shared with (never a group the user is not in), without the graph's JSON."""
    return graphs.select_related("owner").defer("graph_json").prefetch_related(shown_groups(user))
