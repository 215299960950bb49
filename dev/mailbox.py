"""``/dev/mail/``: the mail ``make run`` received, readable in the browser. DEBUG only, and staff only:
it shows every user's mail, their unsubscribe links with it (the demo's alice is staff).

Reads the ``.eml`` files dev.mail keeps in DEV_MAIL_DIR. A mail's
HTML is shown in a sandboxed frame: no script of it runs, and it cannot
reach the page around it.
"""

import email
import email.policy
import re
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_safe

MESSAGE_NAME = re.compile(r"\d{8}-\d{6}-\d{5}\.eml")
SHOWN_AT_MOST = 200


def _folder(request) -> Path:
    if not settings.DEBUG:
        raise Http404("The development mailbox exists only with DEBUG on.")
    if request.user.is_authenticated and not request.user.is_staff:
        raise PermissionDenied("The development mailbox shows every user's mail: it is for staff users only.")
    return Path(settings.DEV_MAIL_DIR)


def _read(path: Path):
    return email.message_from_bytes(path.read_bytes(), policy=email.policy.default)


@require_safe
@login_required
def inbox(request):
    folder = _folder(request)
    names = sorted((p.name for p in folder.glob("*.eml") if MESSAGE_NAME.fullmatch(p.name)), reverse=True)
    mails = []
    for name in names[:SHOWN_AT_MOST]:
        mail = _read(folder / name)
        mails.append({"name": name, "to": mail["To"], "subject": mail["Subject"], "date": mail["Date"]})
    # ("mails", not "messages": that name is the flash messages' in every page.)
    return render(request, "dev/mailbox.html", {"mails": mails, "folder": folder, "total": len(names)})


@require_safe
@login_required
def message(request, name: str):
    folder = _folder(request)
    if not MESSAGE_NAME.fullmatch(name) or not (folder / name).is_file():
        raise Http404("No such message.")
    mail = _read(folder / name)
    text, html = (mail.get_body(preferencelist=(kind,)) for kind in ("plain", "html"))
    return render(request, "dev/message.html", {
        "name": name, "subject": mail["Subject"],
        "headers": [(key, mail[key]) for key in ("From", "To", "Date", "Subject", "List-Unsubscribe",
                                                 "List-Unsubscribe-Post") if mail[key]],
        "text": text.get_content() if text else "", "html": html.get_content() if html else "",
    })
