"""The bell's one setting: whether its dropdown shows the user's own actions.

A plain form's POST (it changes what the user sees, so never a GET), that
goes back to the page it was sent from; the choice lasts the session
(web/notifications/bell.py reads it).
"""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from web.notifications.bell import SHOW_OWN_SESSION_KEY
from web.redirects import back_to


@login_required
@require_POST
def own_actions(request):
    request.session[SHOW_OWN_SESSION_KEY] = request.POST.get("show") == "1"
    return redirect(back_to(request, "/"))
