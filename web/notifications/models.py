from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Func, Q

from web.kinds import KINDS, Kind
from web.notifications.payload import event_payload
from web.notifications.text import describe

# Everything a notification's text is built from: what a search looks in.
WORD_FIELDS = ("actor_name", "verb", "target_type", "target_name", "graph_name", "group_name", "member_name",
               "old_name")


class UserWords(Func):
    """A notification's words as lexemes of its user's own: "42ujournal" for user 42's "journal".

    Why not the plain words: PostgreSQL then takes a word's frequency in the
    whole table for its frequency in one user's notifications, and for a word
    common in the table but absent from a heavy user's it reads every one of
    their rows to find none. With the user inside each lexeme, the index
    finds exactly the user's matches, and its statistics know how common a
    word is for that user. Stored (a generated column), so checking a row
    costs no parsing.
    """

    output_field = SearchVectorField()

    def __init__(self, *word_fields: str, user: str):
        super().__init__(user, *word_fields)

    def as_sql(self, compiler, connection, **extra_context):
        (user_sql, user_params), *words = [compiler.compile(e) for e in self.get_source_expressions()]
        words_sql = " || ' ' || ".join(sql for sql, _ in words)
        params = [*(p for _, ps in words for p in ps), *user_params]
        words_sql = f"translate({words_sql}, '{QUOTES}', '{' ' * len(QUOTES)}')"
        return (f"to_tsvector('simple'::regconfig, regexp_replace({words_sql}, '({WORD_RUN})', "
                f"({user_sql})::text || 'u\\1', 'g'))"), params


# A run of anything but spaces and punctuation: letters and digits in any
# script. Spelled out rather than \w, which in a database with the C locale
# (as the local PostgreSQL is made) knows only ASCII letters and split
# "Müller" in two. The search box splits what it is given the same way.
WORD_RUN = "[^[:space:]!-/:-@[-`{-~]+"
# Quotation marks beyond ASCII, made spaces first: the C locale's text search
# parser would take them for letters and glue them to the word.
QUOTES = "“”‘’«»„"


def user_lexeme(user_id: int, word: str) -> str:
    """A word as it is stored for this user (see UserWords)."""
    return f"{user_id}u{word.lower()}"


class Notification(models.Model):
    """What one user is told about one action.

    One row per (user, action): an action that concerns a person for several
    reasons still tells them once. The actor and target names are copied so
    the text still reads right after the actor or target is gone.
    """

    # No index of its own: every index below starts with the user, and one
    # index fewer is one less to write for each of thousands of rows a second.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications",
                             db_index=False)
    event_id = models.UUIDField()
    action_id = models.UUIDField()
    # The choices keep the names the table was made with, not Kind's labels: a
    # name people read is no reason to write a migration.
    kind = models.CharField(max_length=16, choices=[(kind, kind.title()) for kind in KINDS])
    verb = models.CharField(max_length=32)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    actor_name = models.CharField(max_length=150)
    target_type = models.CharField(max_length=16)
    target_id = models.BigIntegerField()
    target_name = models.CharField(max_length=200)
    # The graph a layout belongs to (a graph's own id for a graph), so "this
    # graph" finds its layouts' notifications too.
    graph_id = models.BigIntegerField(null=True, blank=True)
    graph_name = models.CharField(max_length=200, blank=True)
    group_id = models.BigIntegerField(null=True, blank=True)
    group_name = models.CharField(max_length=100, blank=True)
    # The person a membership change is about ("added carol", "added you").
    member_id = models.BigIntegerField(null=True, blank=True)
    member_name = models.CharField(max_length=150, blank=True)
    old_name = models.CharField(max_length=200, blank=True)  # a rename's name before
    link = models.CharField(max_length=300, blank=True)
    reasons = models.JSONField(default=list)
    created = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)
    mailed_at = models.DateTimeField(null=True, blank=True)
    # Notifications of one kind about one target that came close together
    # share a key and show as one row (web/notifications/grouping.py); given
    # at delivery. Blank is a group of its own (grouping_key).
    group_key = models.CharField(max_length=80, blank=True, default="", db_default="")
    words = models.GeneratedField(expression=UserWords(*WORD_FIELDS, user="user_id"),
                                  output_field=SearchVectorField(), db_persist=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "action_id"], name="one_notification_per_action")]
        # The list pages by id, newest first, under any mix of filters: each
        # filter has an index that starts with the user and keeps id order.
        indexes = [
            models.Index(fields=["user", "-id"], name="notification_user_newest"),
            models.Index(fields=["user", "-id"], condition=Q(read_at__isnull=True), name="notification_user_unread"),
            models.Index(fields=["user", "kind", "-id"], name="notification_user_kind"),
            models.Index(fields=["user", "target_type", "target_id", "-id"], name="notification_user_target"),
            models.Index(fields=["user", "graph_id", "-id"], name="notification_user_graph"),
            models.Index(fields=["user", "group_id", "-id"], name="notification_user_group"),
            GinIndex(fields=["words"], name="notification_user_words"),
            # One group's notifications (mark a group read, show a group).
            models.Index(fields=["user", "group_key"], name="notification_user_group_key"),
            # The digest's unread, not yet mailed notifications of a user (migration 0006).
            models.Index(fields=["user", "created"], condition=Q(read_at__isnull=True, mailed_at__isnull=True),
                         name="notification_user_unmailed"),
        ]

    @property
    def text(self) -> str:
        return describe(self)

    @property
    def kind_label(self) -> str:
        return Kind(self.kind).label if self.kind in KINDS else self.kind

    @property
    def grouping_key(self) -> str:
        """The group it shows in: its group_key, or, when that is blank, a group of its own."""
        return self.group_key or f"n{self.pk}"

    def as_event_payload(self) -> dict:
        """The notification as the browser renders it (plain text; the client escapes)."""
        return event_payload(self)


class UserStream(models.Model):
    """A user's place in their own event sequence, and their unread count.

    ``last_seq`` only grows. Every change the user must see (a new
    notification, a change of read state) takes the next number in the same
    transaction as the change, which is what makes a cursor exact.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE, related_name="+")
    last_seq = models.BigIntegerField(default=0)
    unread = models.IntegerField(default=0)


class StreamEvent(models.Model):
    """One numbered event in a user's sequence, as the realtime endpoint serves it."""

    # No index of its own: (user, seq) below starts with it.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False)
    seq = models.BigIntegerField()
    type = models.CharField(max_length=40)
    payload = models.JSONField()
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "seq"], name="stream_seq_once")]
        indexes = [models.Index(fields=["created"], name="stream_event_created")]


class ProcessedEvent(models.Model):
    """An event the consumer's delivery has stored: the mark that it is done.

    A redelivered event is skipped at once, and operators (and the tests) can
    tell an event that told nobody from one not handled yet.
    """

    event_id = models.UUIDField(primary_key=True)
    action_id = models.UUIDField(db_index=True)
    delivered = models.IntegerField()  # notifications stored by this event
    processed_at = models.DateTimeField(auto_now_add=True)
