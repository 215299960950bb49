from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from web.notifications import actions
from web.notifications.models import Notification

PAGE_SIZE = 50


@login_required
def index(request):
    notifications = Notification.objects.filter(user=request.user).order_by("-id")[:PAGE_SIZE]
    return render(request, "notifications/index.html", {"notifications": notifications})


@login_required
@require_POST
def read(request, notification_id: int):
    return _change(request, actions.mark_read, notification_id)


@login_required
@require_POST
def unread(request, notification_id: int):
    return _change(request, actions.mark_unread, notification_id)


@login_required
@require_POST
def read_all(request):
    actions.mark_all_read(request.user)
    return redirect("notifications:index")


def _change(request, action, notification_id: int):
    try:
        action(request.user, notification_id)
    except Notification.DoesNotExist:
        raise Http404("No such notification") from None
    return redirect("notifications:index")
