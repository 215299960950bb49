"""Development's URL configuration: the site's own, and the mail ``make run`` caught.

settings.dev names this module; production's settings keep ``web.urls``, so
no development page is ever routed there.
"""

from django.urls import path

from dev import mailbox
from web.urls import urlpatterns as site_urlpatterns

urlpatterns = [
    *site_urlpatterns,
    # 404 unless DEBUG is on.
    path("dev/mail/", mailbox.inbox, name="dev_mail"),
    path("dev/mail/<str:name>/", mailbox.message, name="dev_mail_message"),
]
