"""The confirmation page before a change that cannot be undone (delete, leave, remove, replace, revoke).

The button for such a change is a link to its own URL: a GET there shows
this page and changes nothing, and only the page's form, a POST with CSRF,
acts. So one stray click never destroys anything, and it works without
JavaScript.
"""

from django.shortcuts import render


def confirm_page(request, *, question: str, action: str, button: str, cancel: str, detail: str = "",
                 hidden: dict[str, str] | None = None):
    return render(request, "confirm.html", {
        "question": question,
        "detail": detail,
        "action": action,
        "button": button,
        "cancel": cancel,
        "hidden": sorted((hidden or {}).items()),
    })
