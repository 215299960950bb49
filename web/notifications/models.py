from django.conf import settings
from django.contrib.postgres.indexes import BrinIndex, GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q

from common.notification_text import describe, event_payload, grouping_key, reasons_at
from web.kinds import KINDS, Kind
from web.notifications.words import WORD_FIELDS, NoticeWords, WordsSignature, WordsSignatureB

KIND_CHOICES = [(kind, kind.title()) for kind in KINDS]


class Notice(models.Model):
    """What one event of an action says, stored once for everyone it tells.

    Actor, verb, target and every name the text is made of, its link, its
    group key and its words: the same for each of its readers, who each own
    only a thin Notification row. The names are copied so the text still
    reads right after the actor or target is gone. A reader told as another
    kind than the event's (they turned a kind off since) reads a notice of
    its own for that kind.
    """

    event_id = models.UUIDField()
    action_id = models.UUIDField()
    # The choices keep the names the table was made with, not Kind's labels: a
    # name people read is no reason to write a migration.
    kind = models.CharField(max_length=16, choices=KIND_CHOICES)
    verb = models.CharField(max_length=32)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
                              db_index=False)
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
    created = models.DateTimeField()
    # Notices of one kind about one target (and group) that came close
    # together share a key, and each reader's notifications of them show as
    # one row (web/notifications/grouping.py). Blank: each reader's
    # notification is a group of its own.
    group_key = models.CharField(max_length=80, blank=True, default="")
    # Each distinct list of reasons its readers were told for, once; a
    # reader's row names theirs by its place here (most share one).
    reasons = models.JSONField(default=list)
    words = models.GeneratedField(expression=NoticeWords(*WORD_FIELDS), output_field=SearchVectorField(),
                                  db_persist=True)
    # (A generated column cannot read another: the words are made again for it.)
    signature = models.GeneratedField(expression=WordsSignature(NoticeWords(*WORD_FIELDS)),
                                      output_field=models.BigIntegerField(), db_persist=True)
    signature_b = models.GeneratedField(expression=WordsSignatureB(NoticeWords(*WORD_FIELDS)),
                                        output_field=models.BigIntegerField(), db_persist=True)

    class Meta:
        constraints = [
            # An event stored twice is stored once: a redelivery finds its notices there already.
            models.UniqueConstraint(fields=["event_id", "kind", "group_id", "group_key"], nulls_distinct=False,
                                    name="notice_once_per_event"),
        ]
        indexes = [
            # A target's notices (the target filter), newest first per kind (the group key of the next one).
            models.Index(fields=["target_type", "target_id", "kind", "-id"], name="notice_target"),
            # A graph's or group's notices, by kind too: a filter on both reads only the notices it keeps.
            models.Index(fields=["graph_id", "kind"], name="notice_graph_kind"),
            models.Index(fields=["group_id", "kind"], name="notice_group_kind"),
            models.Index(fields=["group_key"], name="notice_group_key", condition=~Q(group_key="")),
            GinIndex(fields=["words"], name="notice_words"),
        ]


# What a search reads of a reader's row before its notice (web/notifications/queries.py).
SEARCHED = ["words_signature", "words_signature_b", "notice_id"]


# What the inbox lists of a user's notifications: neither done nor snoozed (and the index of it says so).
IN_INBOX = Q(done_at__isnull=True, snoozed_until__isnull=True)


class NotificationReading:
    """What a notification says, read from its fields: the model's, and a listed row's
    (web/notifications/queries.py: ListedNotification, the list read without model instances)."""

    __slots__ = ()

    @property
    def text(self) -> str:
        return describe(self)

    @property
    def kind_label(self) -> str:
        return Kind(self.kind).label if self.kind in KINDS else self.kind

    @property
    def grouping_key(self) -> str:
        """The group it shows in: its notice's group_key, or, when that is blank, a group of its own."""
        return grouping_key(self.group_key, self.id)

    def as_event_payload(self) -> dict:
        """The notification as the browser renders it (plain text; the client escapes)."""
        return event_payload(self)


class Notification(NotificationReading, models.Model):
    """What one user is told about one action: a few integers over a Notice.

    Who, which notice, which of its reasons lists, and the user's own state:
    when they read it, when it was mailed. One row per (user, action), by
    construction: an action tells each person in one of its events
    (web/notifications/audience.py), and a redelivered event stores nothing.
    Reads its words through its notice; ``select_related("notice")`` when
    reading many.
    """

    # No index of its own: every index below starts with the user.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications",
                             db_index=False)
    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="+", db_index=False)
    reasons_index = models.SmallIntegerField(default=0)  # into notice.reasons
    read_at = models.DateTimeField(null=True, blank=True)
    mailed_at = models.DateTimeField(null=True, blank=True)
    # Done: out of the inbox, not deleted; kept NOTIFICATIONS_DONE_KEEP_DAYS,
    # then pruned (prune_done), unless saved. A done one is always read.
    done_at = models.DateTimeField(null=True, blank=True)
    # Starred: listed in the Saved view, and never pruned.
    # (db_default: delivery inserts rows in plain SQL, naming only the columns it sets.)
    saved = models.BooleanField(default=False, db_default=False)
    # Snoozed: out of the inbox (and read) until this moment, when it comes
    # back unread (wake_due, run by beat). Null: not snoozed.
    snoozed_until = models.DateTimeField(null=True, blank=True)
    # The notice's words signature, copied: a search checks it in the index
    # of the user's rows, reading only the notices that may match.
    words_signature = models.BigIntegerField(default=0)
    words_signature_b = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["notice", "user"], name="one_notification_per_notice")]
        # The list pages by id, newest first; a filter on what the notice
        # says joins from these indexes (a common kind or word) or from the
        # notice's own (a rare target, a rare word). Each carries what a
        # search reads of a row before its notice: both signatures and the
        # notice's id, so passing over a row costs no read of the table.
        indexes = [
            models.Index(fields=["user", "-id"], include=SEARCHED, name="notification_user_signed"),
            # The inbox (every state but done, snoozed and saved) leaves done and snoozed rows out:
            # walking the index of all rows would pass over each done one, up to five months of them,
            # to fill a page; this one holds only what the inbox lists. (The unread index needs no
            # such condition: a done or snoozed row is always read.) The Done, Snoozed and Saved
            # views are short and rarely read: they walk notification_user_signed.
            models.Index(fields=["user", "-id"], include=SEARCHED, condition=IN_INBOX,
                         name="notification_user_inbox"),
            models.Index(fields=["user", "-id"], include=SEARCHED, condition=Q(read_at__isnull=True),
                         name="notification_user_unread"),
            # Pruning finds the done, unsaved rows past the keep time, whoever's, by age.
            models.Index(fields=["done_at"], condition=Q(done_at__isnull=False, saved=False),
                         name="notification_done_unsaved"),
            # Waking finds the snoozed rows that are due, whoever's, by time.
            models.Index(fields=["snoozed_until"], condition=Q(snoozed_until__isnull=False),
                         name="notification_snoozed"),
            # The digest's unread, not yet mailed notifications of a user.
            models.Index(fields=["user", "-id"], condition=Q(read_at__isnull=True, mailed_at__isnull=True),
                         name="notification_user_unmailed"),
        ]

    @property
    def reasons(self) -> list:
        return reasons_at(self.notice.reasons, self.reasons_index)


def _from_notice(name: str) -> property:
    return property(lambda self: getattr(self.notice, name), doc=f"The notice's {name}.")


# What the notice says, read through the notification (templates, text, payload).
NOTICE_FIELDS = ("event_id", "action_id", "kind", "verb", "actor_id", "actor_name", "target_type", "target_id",
                 "target_name", "graph_id", "graph_name", "group_id", "group_name", "member_id", "member_name",
                 "old_name", "link", "created", "group_key")
for _name in NOTICE_FIELDS:
    setattr(Notification, _name, _from_notice(_name))


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
    """One numbered event in a user's sequence, as the realtime endpoint serves it.

    A "notification.created" event does not copy the notification: it names
    it (``notification_id``), and a read from PostgreSQL builds the payload
    from the notification and its notice (realtime/store.py). Its payload
    keeps what is the event's own: the unread count after it.
    """

    # No index of its own: (user, seq) below starts with it.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False)
    seq = models.BigIntegerField()
    type = models.CharField(max_length=40)
    payload = models.JSONField()
    # Not a foreign key: the notification is the user's as the event is, and
    # goes when they go; a key would check each insert against it.
    notification_id = models.BigIntegerField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "seq"], name="stream_seq_once")]
        # Pruning reads by age; rows come in age order, so a block range
        # index finds them at almost no cost per insert.
        indexes = [BrinIndex(fields=["created"], name="stream_event_created_brin")]


class ProcessedEvent(models.Model):
    """An event the consumer's delivery has stored: the mark that it is done.

    A redelivered event is skipped at once, and operators (and the tests) can
    tell an event that told nobody from one not handled yet.
    """

    event_id = models.UUIDField(primary_key=True)
    action_id = models.UUIDField(db_index=True)
    delivered = models.IntegerField()  # notifications stored by this event
    processed_at = models.DateTimeField(auto_now_add=True)
