"""Sending a run of digests: the users whose slot has come, a chunk at a time, each notification mailed once.

A chunk is one transaction: lock the users' preferences rows that are still
due and claim their notifications (both FOR UPDATE SKIP LOCKED), send each
user's mail over one SMTP connection, mark what the server accepted as
mailed, move each user's slot on (due.served), commit. Whatever was not
accepted stays unmailed: a permanent refusal (5xx) stops mail to the address
until its user confirms it again (their next slot after that mails it), a
temporary one (4xx, or the server failing) retries after a backoff
(web/digest/refusals.py), the user's slot moved to the retry if it comes
sooner. A crash after the server accepted a mail and before the commit
leaves the slot and the notifications as they were, so the next check mails
that chunk's users again: at most one duplicate each, never a lost
notification.
"""

import logging
import smtplib
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from web.accounts.preferences import zones_of
from web.digest import claims, due, refusals
from web.digest.compose import digest_message, digest_of
from web.digest.metrics import count_chunk
from web.digest.models import MailRefusal
from web.digest.refusals import Refused
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
    users_left: int = 0  # refused or not reached: their notifications wait for a later run
    users_held: int = 0  # not tried: their address is stopped, or waiting out a backoff

    def __add__(self, other: "Outcome") -> "Outcome":
        return Outcome(self.users_mailed + other.users_mailed,
                       self.notifications_mailed + other.notifications_mailed,
                       self.users_left + other.users_left, self.users_held + other.users_held)


def settled_before(now: datetime, settle_minutes: float | None = None) -> datetime:
    minutes = settings.DIGEST_SETTLE_MINUTES if settle_minutes is None else settle_minutes
    return now - timedelta(minutes=minutes)


def chunks_due(*, due_now: bool = False) -> list[list[int]]:
    """The users whose digest slot has come, in chunks of DIGEST_CHUNK_USERS (whoever has no slot yet is
    given their first). ``due_now``: every schedule's slot is now (``send_digests --due-now``)."""
    now = timezone.now()
    due.schedule_newcomers(now)
    if due_now:
        due.bring_forward(now)
    user_ids = due.users_due(now)
    size = settings.DIGEST_CHUNK_USERS
    return [user_ids[i:i + size] for i in range(0, len(user_ids), size)]


def send_now(*, settle_minutes: float | None = None, due_now: bool = False) -> Outcome:
    """A whole run in this process, chunk after chunk (``manage.py send_digests``)."""
    outcome = Outcome()
    for chunk in chunks_due(due_now=due_now):
        outcome += send_chunk(chunk, settle_minutes=settle_minutes)
    return outcome


def send_chunk(user_ids: list[int], *, settle_minutes: float | None = None) -> Outcome:
    """Mail these users, those still due, their digests and move their slots on; six statements whatever
    their number (more only after a refusal). A due user with nothing new gets no mail, and their slot moves
    on all the same."""
    started = time.monotonic()
    now = timezone.now()
    with transaction.atomic():
        slots = due.lock_due(user_ids, now)
        if not slots:
            return Outcome()  # served by another run, or no longer due (the schedule changed)
        by_user: dict[int, list[Notification]] = defaultdict(list)
        for notification in claims.claim([row.user_id for row in slots], settled_before(now, settle_minutes)):
            by_user[notification.user_id].append(notification)
        users = _users(list(by_user), now)
        # A stopped address, or one whose next try is not due: its notifications wait, unmarked, not lost.
        held = {user_id for user_id in by_user if users[user_id].mail_held}
        sent = _send(users, {user_id: n for user_id, n in by_user.items() if user_id not in held})
        mailed_ids = [n.id for user_id in sent.accepted for n in by_user[user_id]]
        Notification.objects.filter(pk__in=mailed_ids).update(mailed_at=now)
        refusals.record(sent.refused, now)
        next_try = refusals.record(sent.unreached, now, log_each=False)
        refusals.clear([user_id for user_id in sent.accepted if users[user_id].had_refusal])
        waiting = held | {r.user_id for r in (*sent.refused, *sent.unreached) if not r.permanent}
        due.served(slots, now, retry_at=due.retries_of(waiting))
    outcome = Outcome(len(sent.accepted), len(mailed_ids), len(sent.refused) + len(sent.unreached), len(held))
    if sent.failure:
        log.error("digest: mail server %s:%s failed (%s); %d of %d users left, their next try after %s",
                  settings.EMAIL_HOST, settings.EMAIL_PORT, sent.failure, len(sent.unreached),
                  len(by_user) - len(held), next_try.isoformat(timespec="seconds") if next_try else "-")
    count_chunk(outcome.users_mailed, outcome.users_left)
    log.info("digest: mailed %d users (%d notifications) in %.2f s; %d left for a later run%s",
             outcome.users_mailed, outcome.notifications_mailed, time.monotonic() - started, outcome.users_left,
             f"; {outcome.users_held} held back (address refused)" if outcome.users_held else "")
    return outcome


def _users(user_ids: list[int], now: datetime) -> dict:
    """The users with their addresses, and whether a refusal holds their mail back (in the same statement)."""
    return get_user_model().objects.only("id", "username", "email").annotate(
        mail_held=Exists(MailRefusal.objects.filter(MailRefusal.holds(now), user=OuterRef("pk"),
                                                    address=OuterRef("email"))),
        had_refusal=Exists(MailRefusal.objects.filter(user=OuterRef("pk"))),
    ).in_bulk(user_ids)


@dataclass
class Sent:
    accepted: list[int] = field(default_factory=list)  # the users whose mail the server took
    refused: list[Refused] = field(default_factory=list)  # the server refused their mail
    unreached: list[Refused] = field(default_factory=list)  # not taken because the server failed
    failure: str | None = None  # what went wrong with the server, if it did


def _send(users: dict, by_user: dict[int, list[Notification]]) -> Sent:
    """Send each user's digest over one connection: who was accepted, who refused, who not reached."""
    sent = Sent()
    if not by_user:
        return sent
    zones = zones_of(list(by_user))  # (each mail's times in its reader's zone)
    connection = get_connection(fail_silently=False)
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
                code, reply = _refusal(error)
                sent.refused.append(Refused(user_id, user.email, refusals.is_permanent(code), reply))
                continue
            sent.accepted.append(user_id)
    except (smtplib.SMTPException, OSError) as error:
        # Unreachable, timing out, refusing us altogether, or gone mid-run: no
        # one after this point is mailed, no one is marked, and each of them
        # waits out a backoff rather than meet the same server next run.
        sent.failure = _reason(error)
        done = {r.user_id for r in sent.refused} | set(sent.accepted)
        sent.unreached = [Refused(user_id, users[user_id].email, False, f"mail server failed: {sent.failure}")
                          for user_id in by_user if user_id not in done]
    finally:
        _close(connection, broken=sent.failure is not None)
    return sent


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


def _refusal(error: Exception) -> tuple[int, str]:
    """The code and words of the server's refusal of one mail (its one recipient's, at RCPT)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        code, reply = next(iter(error.recipients.values()))  # one mail, one recipient
        return code, f"{code} {reply.decode(errors='replace')}"
    return error.smtp_code, _reason(error)


def _reason(error: Exception) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "; ".join(f"{address}: {code} {reply.decode(errors='replace')}"
                         for address, (code, reply) in error.recipients.items())
    if isinstance(error, smtplib.SMTPResponseException):
        reply = error.smtp_error
        return f"{error.smtp_code} {reply.decode(errors='replace') if isinstance(reply, bytes) else reply}"
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
