"""What a digest may mail, and claiming it so that no other run mails it (who is due: due.py)."""

from datetime import datetime

from django.db.models import Q

from web.kinds import KINDS
from web.notifications.models import Notification

PREFERENCES = "user__notification_preferences"

# What a digest needs of each notification: its words (notification_text.describe),
# its target and its time: all its notice's but the words and the reasons.
DIGEST_FIELDS = ("id", "user_id", "notice__kind", "notice__verb", "notice__actor_id", "notice__actor_name",
                 "notice__target_type", "notice__target_id", "notice__target_name", "notice__graph_name",
                 "notice__group_id", "notice__group_name", "notice__member_id", "notice__member_name",
                 "notice__old_name", "notice__link", "notice__created")


def wanted_by_mail() -> Q:
    """Notifications their user wants mailed: an active user with an address, the digest on, the kind on.

    No preferences row means the defaults: everything on.
    """
    kinds = Q()
    for kind in KINDS:
        kinds |= Q(notice__kind=kind, **{f"{PREFERENCES}__mail_{kind}": True})
    return (Q(user__is_active=True) & ~Q(user__email="")
            & (Q(**{f"{PREFERENCES}__isnull": True}) | (Q(**{f"{PREFERENCES}__digest": True}) & kinds)))


def mailable(settled_before: datetime):
    """Unread, never mailed, wanted by mail, and old enough that the user had time to read it here."""
    return Notification.objects.filter(wanted_by_mail(), read_at__isnull=True, mailed_at__isnull=True,
                                       notice__created__lte=settled_before)


def claim(user_ids: list[int], settled_before: datetime) -> list[Notification]:
    """Lock these users' mailable notifications for this transaction, newest first per user.

    SKIP LOCKED: rows another run holds are left to it, so two runs at once
    never mail one notification twice, and neither waits for the other. A row
    the other run marked mailed and committed is no longer mailable when this
    statement reaches it (PostgreSQL checks the newest version of a row it
    locks), so it is not taken either. Must run inside a transaction.
    """
    return list(mailable(settled_before).filter(user_id__in=user_ids)
                .select_related("notice").select_for_update(skip_locked=True, of=("self",))
                .only(*DIGEST_FIELDS).order_by("user_id", "-id"))
