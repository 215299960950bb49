"""What a user does about mail the server refused: ask for a confirmation mail, and confirm."""

import logging
import smtplib
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import get_connection
from django.db import transaction
from django.utils import timezone

from web.digest import refusals
from web.digest.confirmation import confirmation_message
from web.digest.models import MailRefusal
from web.digest.refusals import Refused

log = logging.getLogger("web.digest")


@dataclass(frozen=True)
class Asked:
    sent: bool
    reply: str = ""  # why not: the server's words
    permanent: bool = False  # refused again for good: the stop stays, with this newer reply


def stop_of(user) -> MailRefusal | None:
    """The stop of the user's current address, if mail to it is stopped."""
    if not user.email:
        return None
    return MailRefusal.objects.filter(user=user, address=user.email, permanent=True).first()


def ask_to_confirm(user) -> Asked:
    """Mail the user's stopped address a link that resumes it; nothing when it is not stopped.

    Sent at once (the person is waiting on the page), so a server that
    refuses again is said on the page: a 5xx renews the stop's reply.
    """
    stop = stop_of(user)
    if stop is None:
        return Asked(sent=False)
    connection = get_connection(fail_silently=False)
    try:
        connection.send_messages([confirmation_message(user, stop.address)])
    except smtplib.SMTPRecipientsRefused as error:
        code, reply = next(iter(error.recipients.values()))
        return _refused(user, stop, code, f"{code} {reply.decode(errors='replace')}")
    except smtplib.SMTPDataError as error:
        return _refused(user, stop, error.smtp_code, f"{error.smtp_code} {error.smtp_error.decode(errors='replace')}")
    except (smtplib.SMTPException, OSError) as error:  # unreachable, refusing Beacon, not answering
        log.warning("digest: confirmation mail to user %d <%s> not sent: mail server %s:%s failed (%s: %s)",
                    user.pk, stop.address, settings.EMAIL_HOST, settings.EMAIL_PORT, type(error).__name__, error)
        return Asked(sent=False, reply=f"the mail server did not take it ({type(error).__name__})")
    finally:
        try:
            connection.close()
        except (smtplib.SMTPException, OSError):
            pass
    return Asked(sent=True)


def _refused(user, stop: MailRefusal, code: int, reply: str) -> Asked:
    permanent = refusals.is_permanent(code)
    if permanent:
        refusals.record([Refused(user.pk, stop.address, True, reply)], timezone.now())  # logs it
    else:
        log.warning("digest: confirmation mail to user %d <%s> refused for now (%s)", user.pk, stop.address, reply)
    return Asked(sent=False, reply=reply, permanent=permanent)


def resume_mail(user_id: int, address: str) -> bool:
    """The user confirmed ``address``: mail to it resumes, and what waited goes in their next digest.

    False when there was nothing to resume (not stopped, or no longer their address).
    """
    with transaction.atomic():
        deleted, _ = MailRefusal.objects.filter(user_id=user_id, address=address,
                                                user__email=address).delete()
    return deleted > 0
