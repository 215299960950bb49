from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from web.notifications.models import Notification

PAGE_SIZE = 50


@login_required
def index(request):
    notifications = Notification.objects.filter(user=request.user).order_by("-id")[:PAGE_SIZE]
    return render(request, "notifications/index.html", {"notifications": notifications})
