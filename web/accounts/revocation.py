"""When one of a user's credentials ends, their live updates end with it, on every realtime process, at once.

The realtime process caches who a session or token names
(REALTIME_SESSION_CACHE_SECONDS). These receivers publish a revocation on the
user's channel after the change commits (realtime.publish.publish_revocation),
and each realtime process then drops what it cached about the user and makes
their held polls and streams check their credentials again: a log-out, a
password change, a token revoked or replaced, an account made inactive or
deleted ends them within the time a publish takes. They hang on Django's own
signals because Django's views (log-out, the admin, ``changepassword``) make
most of these changes, not an action of ours. An API token's deletion is
web/api's (web/api/apps.py), which calls :func:`end_live_access` the same way.

Should Redis refuse the publish, the change stands and the cache's lifetime
bounds how long the old credential is still honoured by held requests.
"""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_out
from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_save

from realtime.publish import Channels, publish_revocation
from web.redis_client import get_redis

log = logging.getLogger(__name__)


def end_live_access(user_id: int) -> None:
    """After the current transaction commits, end the user's held polls and streams whose credential has ended."""
    transaction.on_commit(lambda: _publish(user_id))


def _publish(user_id: int) -> None:
    try:
        publish_revocation(get_redis(), user_id, Channels(settings.REALTIME_CHANNEL_PREFIX))
    except Exception:
        log.warning("could not publish the revocation of user %d's credentials; held requests end within "
                    "REALTIME_SESSION_CACHE_SECONDS instead", user_id, exc_info=True)


def _on_logged_out(sender, request, user, **kwargs):
    if user is None:
        return
    # Django sends this signal before it deletes the session; outside a transaction the revocation
    # would be published at once, and a realtime process asking again would still find it. Gone first.
    request.session.flush()
    end_live_access(user.pk)


def _before_user_saved(sender, instance, update_fields=None, **kwargs):
    """Note whether this save ends the user's sessions or tokens; the revocation follows the save."""
    instance._beacon_ends_access = False
    if instance.pk is None:
        return
    if update_fields is not None and not {"password", "is_active"} & set(update_fields):
        return  # e.g. last_login at each log-in
    # set_password() keeps the new password in _password until the save: a new session hash.
    if getattr(instance, "_password", None) is not None:
        instance._beacon_ends_access = True
    elif not instance.is_active and sender.objects.filter(pk=instance.pk, is_active=True).exists():
        instance._beacon_ends_access = True


def _after_user_saved(sender, instance, **kwargs):
    if getattr(instance, "_beacon_ends_access", False):
        instance._beacon_ends_access = False
        end_live_access(instance.pk)


def _on_user_deleted(sender, instance, **kwargs):
    end_live_access(instance.pk)


def connect() -> None:
    user_model = get_user_model()
    user_logged_out.connect(_on_logged_out, dispatch_uid="beacon-revoke-on-logout")
    pre_save.connect(_before_user_saved, sender=user_model, dispatch_uid="beacon-revoke-on-user-save")
    post_save.connect(_after_user_saved, sender=user_model, dispatch_uid="beacon-revoke-after-user-save")
    post_delete.connect(_on_user_deleted, sender=user_model, dispatch_uid="beacon-revoke-on-user-delete")
