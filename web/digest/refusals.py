"""What a refusal by the mail server does to an address: a stop, or a retry that backs off.

A permanent refusal (5xx) stops mail to the address until its user confirms
it again; a temporary one (4xx, or a server that could not be reached or
stopped answering) puts the next try off by DIGEST_RETRY_MINUTES, doubling
after each failure in a row up to DIGEST_RETRY_MAX_MINUTES. A mail accepted
ends the backoff. Each is logged once, when it happens: a held address is
skipped without a line of its own, so a run log does not fill with the same
address every run.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings

from web.digest.models import MailRefusal

log = logging.getLogger("web.digest")


@dataclass(frozen=True)
class Refused:
    user_id: int
    address: str
    permanent: bool
    reply: str  # "550 5.1.1 No such user", or what went wrong with the server


def is_permanent(code: int) -> bool:
    return 500 <= code < 600


def backoff(failures: int) -> timedelta:
    """The wait after ``failures`` temporary refusals in a row: 5, 10, 20 … minutes, capped."""
    minutes = settings.DIGEST_RETRY_MINUTES * 2 ** min(failures - 1, 30)
    return timedelta(minutes=min(minutes, settings.DIGEST_RETRY_MAX_MINUTES))


def record(refusals: list[Refused], now: datetime, *, log_each: bool = True) -> datetime | None:
    """Write these refusals: one statement reads the earlier ones, one writes (none at all for none).

    Logs each as a WARNING unless ``log_each`` is false (a whole chunk the
    server failed, which its caller says in one line). Returns the earliest
    next try of the temporary ones, if any.
    """
    if not refusals:
        return None
    earlier = {(r.user_id, r.address): r.failures for r in MailRefusal.objects.filter(
        user_id__in=[r.user_id for r in refusals]).only("user_id", "address", "failures")}
    rows = []
    for refused in refusals:
        failures = earlier.get((refused.user_id, refused.address), 0) + 1
        retry_after = None if refused.permanent else now + backoff(failures)
        rows.append(MailRefusal(user_id=refused.user_id, address=refused.address, permanent=refused.permanent,
                                reply=refused.reply, refused_at=now, failures=failures, retry_after=retry_after))
        if log_each:
            _log(refused, retry_after)
    MailRefusal.objects.bulk_create(rows, update_conflicts=True, unique_fields=["user", "address"],
                                    update_fields=["permanent", "reply", "refused_at", "failures", "retry_after"])
    return min((row.retry_after for row in rows if row.retry_after is not None), default=None)


def _log(refused: Refused, retry_after: datetime | None) -> None:
    if refused.permanent:
        log.warning("digest: mail to user %d <%s> stopped: the mail server refused it permanently (%s); "
                    "their notifications wait until they confirm the address", refused.user_id, refused.address,
                    refused.reply)
    else:
        log.warning("digest for user %d <%s> refused for now (%s); next try after %s", refused.user_id,
                    refused.address, refused.reply, retry_after.isoformat(timespec="seconds"))


def clear(user_ids: list[int]) -> None:
    """These users' mail was accepted: their backoff (and any stop of an address no longer theirs) ends."""
    if not user_ids:
        return
    ended = list(MailRefusal.objects.filter(user_id__in=user_ids).values_list("user_id", "address", "failures"))
    MailRefusal.objects.filter(user_id__in=user_ids).delete()
    for user_id, address, failures in ended:
        log.info("digest: mail to user %d <%s> accepted again after %d refusal%s", user_id, address, failures,
                 "" if failures == 1 else "s")
