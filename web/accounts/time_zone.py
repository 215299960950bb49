"""Every time a page shows is in its reader's zone: the one they saved, else the server's (TIME_ZONE)."""

from django.utils import timezone

from web.accounts.preferences import zones_of


class UserTimeZoneMiddleware:
    """Activates the signed-in user's saved zone for the request (one primary-key read), so templates'
    dates, the bell's and the list's times and the forms' are theirs. The API's times carry their offset
    whatever the zone, and the realtime process serves UTC instants (the browser says "3 min ago")."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            zones = zones_of([user.pk])  # (one primary-key read; nothing when no zone is saved)
            timezone.activate(zones[user.pk]) if zones else timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
