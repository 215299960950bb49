"""Migration 0010 (notices) on a database the old schema filled: every reader still sees what they saw.

The rows are written through the models as they were at notifications 0009,
what each user saw is recorded from them (payload, text, reasons in words,
search hits, inbox groups, unread counts, stream), and after migrating the
new models must give back exactly that.

It runs in a scratch database of its own (the worker's test database name
plus ``_migration``, so workers and runs side by side never share one), not
in the worker's: 0010 cannot be reversed (it drops the copies going back
would need), so the worker's database could not be taken back to 0009 and
forward again, and a database of its own leaves the worker's tables and rows
as they are whatever happens here. It is migrated once for the module, and
dropped at the end, as is one left by an interrupted run before. The tests
reach it through a database router, so the code under test (the models,
page_of, the realtime store) runs unchanged.
"""

import json
import re
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, connections
from django.db.migrations.executor import MigrationExecutor
from django.test import override_settings

from common.notification_text import describe, event_payload, grouping_key, reasons_in_words
from realtime.db import ConnectionPool, connect_kwargs
from realtime.store import EventStore
from web.notifications import queries
from web.notifications.grouping import group_text, grouped
from web.notifications.models import Notice, Notification, StreamEvent, UserStream
from web.notifications.queries import NotificationFilter, page_of

ALIAS = "migration"
# Each test in a transaction on both, rolled back: every test finds the rows the migration left.
pytestmark = pytest.mark.django_db(databases=["default", ALIAS])
BEFORE = ("notifications", "0009_no_separate_user_indexes")
# What people type into the search box: names beyond ASCII, in either case, and words between quotes.
WORDS = ("łódź", "ŁÓDŹ", "müller", "überblick", "zoë", "draft", "final", "kinase")
T0 = datetime(2026, 3, 2, 9, 0, 0, 125000, tzinfo=timezone.utc)

LAB = {"id": 7, "name": "ŁÓDŹ lab"}
GROUP = {"kind": "group", "group": LAB}
WATCHING = {"kind": "watching", "watched": {"type": "graph", "id": 11, "name": "Kinase map"}}
OWNER = {"kind": "owner"}
ABOUT_YOU = {"kind": "group", "group": LAB, "about_you": True}


@dataclass
class Seen:
    """What the old schema showed: per notification, and per user."""

    users: dict = field(default_factory=dict)  # name -> id
    notifications: dict = field(default_factory=dict)  # id -> (payload, text, why)
    notice_of: dict = field(default_factory=dict)  # id -> (event_id, kind, group_id, group_key)
    found: dict = field(default_factory=dict)  # (user id, word) -> ids, newest first
    inbox: dict = field(default_factory=dict)  # user id -> [(group key, ids, text, unread)]
    unread: dict = field(default_factory=dict)  # user id -> (unread rows, the stream's count)
    streams: dict = field(default_factory=dict)  # user id -> [event as served]


class ToScratch:
    """Every read and write of the code under test goes to the scratch database."""

    def db_for_read(self, model, **hints):
        return ALIAS

    def db_for_write(self, model, **hints):
        return ALIAS


@contextmanager
def scratch_alias(name: str):
    """The scratch database as connection ``ALIAS``, there only meanwhile."""
    connections.settings[ALIAS] = {**connections["default"].settings_dict, "NAME": name}
    try:
        yield connections[ALIAS]
    finally:
        connections[ALIAS].close()
        del connections[ALIAS]
        del connections.settings[ALIAS]


def _drop(name: str) -> None:
    with connection._nodb_cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {connection.ops.quote_name(name)} WITH (FORCE)")


def _create(name: str) -> None:
    _drop(name)  # left by an interrupted run
    with connection._nodb_cursor() as cursor:
        cursor.execute(f"CREATE DATABASE {connection.ops.quote_name(name)} "
                       f"{connection.creation.sql_table_creation_suffix()}")


@pytest.fixture(scope="module")
def seen(django_db_setup, django_db_blocker) -> Seen:
    """A scratch database filled by the old schema, what it showed, then migrated to the latest."""
    name = f"{connection.settings_dict['NAME']}_migration"
    try:
        with django_db_blocker.unblock():
            _create(name)
        # An alias for the module's whole run: each test names it among its databases (pytestmark),
        # which Django checks against the aliases there are when the test starts.
        with scratch_alias(name) as database:
            with django_db_blocker.unblock():
                executor = MigrationExecutor(database)
                # Every app at its latest, but notifications at 0009: none of the others needs 0010.
                old_state = [BEFORE, *(node for node in executor.loader.graph.leaf_nodes() if node[0] != BEFORE[0])]
                executor.migrate(old_state)
                executor.loader.build_graph()
                assert ("notifications", "0010_notices") not in executor.loader.applied_migrations
                before = _fill(executor.loader.project_state(old_state).apps)
                latest = executor.loader.graph.leaf_nodes()
                executor.migrate(latest)
                executor.loader.build_graph()
                assert executor.migration_plan(latest) == []
                database.close()
            yield before
    finally:
        with django_db_blocker.unblock():
            _drop(name)


@pytest.fixture
def scratch(seen):
    """The migrated scratch database, which every query of the test then reads."""
    with override_settings(DATABASE_ROUTERS=[ToScratch()]):
        yield connections[ALIAS]


def _fill(apps) -> Seen:
    """Rows as the old delivery wrote them, through the models of that time; what they showed."""
    User = apps.get_model("auth", "User")
    Old = apps.get_model("notifications", "Notification")
    OldStream = apps.get_model("notifications", "UserStream")
    OldEvent = apps.get_model("notifications", "StreamEvent")
    users = {name: User.objects.using(ALIAS).create(username=name, password="!").pk
             for name in ("alice", "bob", "carol", "dave", "erin", "frank", "Müller")}
    alice = users["alice"]

    def event(**fields):
        # What every reader of one event shares; each reader's row adds its own below.
        event_id = uuid.uuid4()
        return {"event_id": event_id, "action_id": fields.pop("action_id", uuid.uuid4()), "actor_id": alice,
                "actor_name": "alice", "verb": "updated", "target_type": "graph", "target_id": 11,
                "target_name": "Kinase map", "graph_id": 11, "graph_name": "Kinase map", "link": "/graphs/11/",
                **fields}

    def key(e, kind=None) -> str:
        return f"{kind or e['kind']}:{e['target_type']}:{e['target_id']}:{e['event_id'].hex[:12]}"

    def told(user: str, e: dict, reasons: list, **own):
        Old.objects.using(ALIAS).create(user_id=users[user], reasons=reasons, **{**e, **own})

    # Frank's earlier notification of the graph: the group his next one joins (keys were per user).
    earlier = event(kind="group", group_id=7, group_name="ŁÓDŹ lab", created=T0)
    told("frank", earlier, [GROUP], group_key=key(earlier))
    # One action: alice's own event, read at once, and the group's, told to five people.
    action = uuid.uuid4()
    own = event(action_id=action, kind="owner", created=T0 + timedelta(minutes=20))
    told("alice", own, [OWNER], group_key=key(own), read_at=own["created"])
    shared = event(action_id=action, kind="group", group_id=7, group_name="ŁÓDŹ lab", created=own["created"])
    told("bob", shared, [GROUP], group_key=key(shared))
    told("carol", shared, [GROUP], group_key=key(shared), read_at=shared["created"] + timedelta(hours=1))
    told("dave", shared, [GROUP, WATCHING], group_key=key(shared), mailed_at=shared["created"] + timedelta(minutes=30))
    # Erin muted the group since: told as a watcher, with no group.
    told("erin", shared, [GROUP, WATCHING], kind="watching", group_id=None, group_name="",
          group_key=key(shared, "watching"))
    told("frank", shared, [GROUP], group_key=key(earlier))
    # A membership change from before group keys (blank): "added you" for the member, a name for the others.
    added = event(kind="group", verb="added", target_type="group", target_id=7, target_name="ŁÓDŹ lab",
                  graph_id=None, graph_name="", group_id=7, group_name="ŁÓDŹ lab", member_id=users["Müller"],
                  member_name="Müller", link="/groups/7/", created=T0 + timedelta(hours=1))
    told("Müller", added, [ABOUT_YOU])
    told("bob", added, [GROUP])
    renamed = event(kind="owner", verb="renamed", target_id=12, target_name="Pathways “final”", graph_id=12,
                    graph_name="Pathways “final”", old_name="“Draft” pathways", link="/graphs/12/",
                    created=T0 + timedelta(hours=2))
    told("alice", renamed, [OWNER], read_at=renamed["created"])
    # By someone deleted since (no actor id, the name kept), about a layout of the graph.
    layout = event(kind="watching", actor_id=None, actor_name="Zoë", target_type="layout", target_id=21,
                   target_name="Überblick", link="/layouts/21/", created=T0 + timedelta(hours=3))
    told("carol", layout, [{"kind": "watching", "watched": {"type": "layout", "id": 21, "name": "Überblick"}}],
          group_key=key(layout))

    rows = list(Old.objects.using(ALIAS).order_by("id"))  # as read back: what the pages read
    for n in rows:  # what a row says of done, saved (0014) and snoozed (0015), after this migration: in the inbox
        n.done_at, n.saved, n.snoozed_until = None, False, None
    # Each user's stream of that time: every "notification.created" a whole copy of the notification.
    for user_id in users.values():
        unread = 0
        for seq, n in enumerate((n for n in rows if n.user_id == user_id), start=1):
            unread += n.read_at is None
            OldEvent.objects.using(ALIAS).create(user_id=user_id, seq=seq, type="notification.created", payload={
                "unread": unread, "notification": {**event_payload(n), "why": reasons_in_words(n)}})
        OldStream.objects.using(ALIAS).create(user_id=user_id, last_seq=seq, unread=unread)
    return _record(users, rows, OldStream, OldEvent)


def _record(users: dict, rows: list, OldStream, OldEvent) -> Seen:
    seen = Seen(users=users)
    for n in rows:
        seen.notifications[n.id] = (event_payload(n), describe(n), reasons_in_words(n))
        seen.notice_of[n.id] = (n.event_id, n.kind, n.group_id, n.group_key)
    for user_id in users.values():
        mine = [n for n in reversed(rows) if n.user_id == user_id]  # newest first
        groups: dict[str, list] = {}
        for n in mine:
            groups.setdefault(grouping_key(n.group_key, n.id), []).append(n)
        seen.inbox[user_id] = [
            (key, [n.id for n in group], describe(group[0]) if len(group) == 1 else group_text(group),
             sum(n.read_at is None for n in group))
            for key, group in groups.items()]
        seen.unread[user_id] = (sum(n.read_at is None for n in mine),
                                OldStream.objects.using(ALIAS).get(user_id=user_id).unread)
        seen.streams[user_id] = [{"seq": e.seq, "type": e.type, **e.payload}
                                 for e in OldEvent.objects.using(ALIAS).filter(user_id=user_id).order_by("seq")]
        with connections[ALIAS].cursor() as cursor:
            for word in WORDS:
                # The old search: each word a lexeme of the user's own (migrations 0004, 0005).
                query = " & ".join(f"{user_id}u{w.lower()}:*" for w in re.findall(r"[^\W_]+", word))
                cursor.execute("SELECT id FROM notifications_notification WHERE user_id = %s"
                               " AND words @@ to_tsquery('simple', %s) ORDER BY id DESC", [user_id, query])
                seen.found[user_id, word] = [id_ for (id_,) in cursor.fetchall()]
    return seen


def notification(pk: int) -> Notification:
    return Notification.objects.select_related("notice").get(pk=pk)


def found(user_id: int, q: str) -> list[int]:
    user = get_user_model().objects.get(pk=user_id)
    return [n.pk for n in page_of(user, NotificationFilter(q=q)).notifications]


def test_every_notification_keeps_its_id_payload_text_and_reasons(seen, scratch):
    after = {n.pk: (n.as_event_payload(), n.text, reasons_in_words(n))
             for n in Notification.objects.select_related("notice").order_by("id")}
    assert after == seen.notifications
    # (the texts themselves, a few, so that "the same" is not the same mistake twice)
    texts = [text for _, text, _ in seen.notifications.values()]
    assert "alice added you to group “ŁÓDŹ lab”." in texts
    assert "alice added Müller to group “ŁÓDŹ lab”." in texts
    assert "alice updated graph “Kinase map”, shared with “ŁÓDŹ lab”." in texts
    assert "You renamed graph ““Draft” pathways” to “Pathways “final””." in texts
    assert "Zoë updated layout “Überblick” of graph “Kinase map”." in texts


def test_an_event_is_stored_once_for_each_kind_group_and_group_key_its_readers_were_told_as(seen, scratch):
    assert Notice.objects.count() == len(set(seen.notice_of.values()))
    for pk, (event_id, kind, group_id, group_key) in seen.notice_of.items():
        notice = notification(pk).notice
        assert (notice.event_id, notice.kind, notice.group_id, notice.group_key) == (event_id, kind, group_id,
                                                                                     group_key), pk


def test_readers_told_for_the_same_reasons_share_one_list_of_them(seen, scratch):
    bob, carol, dave = (Notification.objects.select_related("notice").get(
        user_id=seen.users[name], notice__kind="group", notice__verb="updated") for name in ("bob", "carol", "dave"))
    assert bob.notice_id == carol.notice_id == dave.notice_id
    assert bob.reasons_index == carol.reasons_index != dave.reasons_index
    assert len(bob.notice.reasons) == 2  # each distinct list once
    assert (bob.reasons, dave.reasons) == ([GROUP], [GROUP, WATCHING])
    # Frank, grouped apart, and Erin, told as a watcher, read notices of their own of the same event.
    frank = Notification.objects.filter(user_id=seen.users["frank"]).latest("id")
    erin = Notification.objects.get(user_id=seen.users["erin"])
    assert frank.notice.event_id == erin.notice.event_id == bob.notice.event_id
    assert len({bob.notice_id, frank.notice_id, erin.notice_id}) == 3


@pytest.mark.parametrize("rare_in_table", [0, 2000], ids=["walking the rows", "through the notices"])
def test_a_search_finds_what_it_found_before_and_only_for_those_whose_notifications_hold_the_word(
        seen, scratch, monkeypatch, rare_in_table):
    # Either way a search goes: the walk reads the signatures the migrations copied into each row.
    monkeypatch.setattr(queries, "RARE_IN_TABLE", rare_in_table)
    after = {(user_id, word): found(user_id, word) for user_id, word in seen.found}
    assert after == seen.found
    users = seen.users
    bobs = list(Notification.objects.filter(user_id=users["bob"]).order_by("-id").values_list("id", flat=True))
    assert len(bobs) == 2  # the group's event, and the group's new member: both name the group
    assert found(users["bob"], "ŁÓDŹ") == found(users["bob"], "łódź") == bobs
    assert found(users["erin"], "łódź") == []  # told as a watcher: no group in her notification
    assert found(users["alice"], "łódź") == []
    assert len(found(users["Müller"], "müller")) == len(found(users["bob"], "müller")) == 1
    assert found(users["carol"], "müller") == []
    assert len(found(users["carol"], "Überblick")) == len(found(users["carol"], "zoë")) == 1
    assert len(found(users["alice"], "draft final")) == 1


def test_every_row_carries_both_signatures_of_its_notice(seen, scratch):
    rows = Notification.objects.values_list("words_signature", "words_signature_b", "notice__signature",
                                            "notice__signature_b")
    assert rows and all(a == notice_a != 0 and b == notice_b != 0 for a, b, notice_a, notice_b in rows)


def test_unread_counts_and_the_inbox_groups_are_as_before(seen, scratch):
    for name, user_id in seen.users.items():
        user = get_user_model().objects.get(pk=user_id)
        unread = (Notification.objects.filter(user_id=user_id, read_at__isnull=True).count(),
                  UserStream.objects.get(user_id=user_id).unread)
        assert unread == seen.unread[user_id], name
        inbox = [(g.key, [n.pk for n in g.notifications], g.text, g.unread)
                 for g in grouped(page_of(user, NotificationFilter()).notifications)]
        assert inbox == seen.inbox[user_id], name
        for key, ids, _, _ in inbox:
            assert [n.pk for n in page_of(user, NotificationFilter(group=key)).notifications] == ids, (name, key)
    frank = seen.inbox[seen.users["frank"]]
    assert [(len(ids), text) for _, ids, text, _ in frank] == [(2, "alice updated graph “Kinase map”")]


def test_a_stream_stored_before_the_migration_is_served_as_it_was(seen, scratch):
    pool = ConnectionPool(connect_kwargs(scratch.settings_dict), size=1)
    try:
        store = EventStore(pool, limit=100)
        for name, user_id in seen.users.items():
            served = [json.loads(event) for event in store.read_from_database(user_id, 0).events]
            assert served == seen.streams[user_id], name
    finally:
        pool.run(lambda cur: cur.connection.close())
    assert not StreamEvent.objects.exclude(notification_id=None).exists()  # each keeps its whole copy
    [bobs_first, _] = seen.streams[seen.users["bob"]]
    assert bobs_first["notification"]["text"] == "alice updated graph “Kinase map”, shared with “ŁÓDŹ lab”."
