"""Sending a run of digests: a chunk of users at a time, each notification mailed once.

A chunk is one transaction: claim the users' notifications (FOR UPDATE SKIP
LOCKED), send each user's mail over one SMTP connection, mark what the server
accepted as mailed, commit. Whatever was not accepted stays unmailed for the
next run. A crash after the server accepted a mail and before the commit
mails that chunk's users again on the next run: at most one duplicate each,
never a lost notification.
"""

import logging
import smtplib
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import get_connection
from django.db import transaction
from django.utils import timezone

from web.accounts.preferences import zones_of
from web.digest import claims
from web.digest.compose import digest_message, digest_of
from web.digest.metrics import count_chunk
from web.digest.unsubscribe import unsubscribe_url
from web.notifications.models import Notification

log = logging.getLogger("web.digest")

# The server refused this one mail (its address, its content); the connection
# is still good for the next user's.
REFUSED_FOR_THIS_MAIL = (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError)


@dataclass
class Outcome:
    users_mailed: int = 0
    notifications_mailed: int = 0
    users_left: int = 0  # refused or not reached: their notifications wait for the next run

    def __add__(self, other: "Outcome") -> "Outcome":
        return Outcome(self.users_mailed + other.users_mailed,
                       self.notifications_mailed + other.notifications_mailed,
                       self.users_left + other.users_left)


def settled_before(now: datetime, settle_minutes: float | None = None) -> datetime:
    minutes = settings.DIGEST_SETTLE_MINUTES if settle_minutes is None else settle_minutes
    return now - timedelta(minutes=minutes)


def chunks_due(*, settle_minutes: float | None = None) -> list[list[int]]:
    """The users due a digest now, in chunks of DIGEST_CHUNK_USERS."""
    user_ids = claims.users_due(settled_before(timezone.now(), settle_minutes))
    size = settings.DIGEST_CHUNK_USERS
    return [user_ids[i:i + size] for i in range(0, len(user_ids), size)]


def send_now(*, settle_minutes: float | None = None) -> Outcome:
    """A whole run in this process, chunk after chunk (``manage.py send_digests``)."""
    outcome = Outcome()
    for chunk in chunks_due(settle_minutes=settle_minutes):
        outcome += send_chunk(chunk, settle_minutes=settle_minutes)
    return outcome


def send_chunk(user_ids: list[int], *, settle_minutes: float | None = None) -> Outcome:
    """Mail these users their digests; three statements whatever their number."""
    started = time.monotonic()
    now = timezone.now()
    with transaction.atomic():
        by_user: dict[int, list[Notification]] = defaultdict(list)
        for notification in claims.claim(user_ids, settled_before(now, settle_minutes)):
            by_user[notification.user_id].append(notification)
        if not by_user:
            return Outcome()
        users = get_user_model().objects.only("id", "username", "email").in_bulk(list(by_user))
        accepted = _send(users, by_user)
        mailed_ids = [n.id for user_id in accepted for n in by_user[user_id]]
        Notification.objects.filter(pk__in=mailed_ids).update(mailed_at=now)
    outcome = Outcome(len(accepted), len(mailed_ids), len(by_user) - len(accepted))
    count_chunk(outcome.users_mailed, outcome.users_left)
    log.info("digest: mailed %d users (%d notifications) in %.2f s; %d left for the next run",
             outcome.users_mailed, outcome.notifications_mailed, time.monotonic() - started, outcome.users_left)
    return outcome


def _send(users: dict, by_user: dict[int, list[Notification]]) -> list[int]:
    """Send each user's digest over one connection; the ids of the users whose mail was accepted."""
    accepted: list[int] = []
    zones = zones_of(list(by_user))  # (each mail's times in its reader's zone)
    connection = get_connection(fail_silently=False)
    broken = False
    try:
        connection.open()
        for user_id, notifications in by_user.items():
            user = users[user_id]
            message = digest_message(
                user, digest_of(notifications, user_id, settings.SITE_URL), site_url=settings.SITE_URL,
                unsubscribe_url=unsubscribe_url(user_id), from_email=settings.DEFAULT_FROM_EMAIL,
                zone=zones.get(user_id))
            try:
                connection.send_messages([message])
            except REFUSED_FOR_THIS_MAIL as error:
                log.warning("digest for user %d <%s> refused by the mail server (%s); left for the next run",
                            user_id, user.email, _reason(error))
                continue
            accepted.append(user_id)
    except (smtplib.SMTPException, OSError) as error:
        # Unreachable, timing out, refusing us altogether, or gone mid-run:
        # no one after this point is mailed, and no one is marked.
        broken = True
        log.error("digest: mail server %s:%s failed (%s); %d of %d users left for the next run",
                  settings.EMAIL_HOST, settings.EMAIL_PORT, _reason(error),
                  len(by_user) - len(accepted), len(by_user))
    finally:
        _close(connection, broken=broken)
    return accepted


def _close(connection, *, broken: bool) -> None:
    """QUIT politely; after a failure, drop the socket instead of waiting a second timeout for a reply."""
    smtp = getattr(connection, "connection", None)  # the smtplib.SMTP of Django's SMTP backend
    if broken and smtp is not None:
        smtp.close()
        connection.connection = None
        return
    try:
        connection.close()
    except (smtplib.SMTPException, OSError):
        if smtp is not None:
            smtp.close()
        connection.connection = None


def _reason(error: Exception) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "; ".join(f"{address}: {code} {reply.decode(errors='replace')}"
                         for address, (code, reply) in error.recipients.items())
    if isinstance(error, smtplib.SMTPResponseException):
        reply = error.smtp_error
        return f"{error.smtp_code} {reply.decode(errors='replace') if isinstance(reply, bytes) else reply}"
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
