"""Who is asking: an API token or the Django session, checked without Django's request stack.

``Authorization: Token <key>`` is looked up in the API's token table. A
session is read from its row, then Django's own user model computes the
session hash from the password, so a password change or log-out ends realtime
access exactly as it ends page access (after at most the cache lifetime).
Only the database session backend is read (settings.SESSION_ENGINE).
"""

import logging
import time

import gevent
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore
from django.http.cookie import parse_cookie
from django.utils.crypto import constant_time_compare
from rest_framework.authtoken.models import Token

# A bound on memory, not a tuning knob: past it the cache starts afresh.
CACHE_MAX_ENTRIES = 100_000
# In the last third of an answer's lifetime, a request that uses it also
# renews it in the background: a user who polls every 25-30 s is never made
# to wait for a lookup, and a revoked credential still ends within the lifetime.
RENEW_IN_LAST_FRACTION = 1 / 3

log = logging.getLogger(__name__)


class SessionAuthenticator:
    def __init__(self, pool, *, cache_seconds: float, clock=time.monotonic, spawn=gevent.spawn):
        self._pool = pool
        self._cache_seconds = cache_seconds
        self._clock = clock
        self._spawn = spawn
        self._cache: dict[str, tuple[int | None, float]] = {}
        self._renewing: set[str] = set()
        user_model = get_user_model()
        self._user_model = user_model
        self._user_table = user_model._meta.db_table
        self._session_table = SessionStore.get_model_class()._meta.db_table
        self._token_table = Token._meta.db_table

    def user_id(self, environ) -> int | None:
        return self.identify(environ)[0]

    def identify(self, environ) -> tuple[int | None, float]:
        """The user the request's credentials name, and for how many seconds more that answer is trusted.

        An event stream asks again when that time is up, so a log-out ends it
        as soon as it would refuse a poll.
        """
        header = environ.get("HTTP_AUTHORIZATION")
        if header:
            scheme, _, key = header.partition(" ")
            key = key.strip()
            if scheme.lower() != "token" or not key:
                return None, 0.0
            return self._cached("token:" + key, lambda cur: self._token_user(cur, key))
        session_key = _cookie(environ, settings.SESSION_COOKIE_NAME)
        if not session_key:
            return None, 0.0
        return self._cached("session:" + session_key, lambda cur: self._session_user(cur, session_key))

    def _cached(self, cache_key: str, lookup) -> tuple[int | None, float]:
        now = self._clock()
        cached = self._cache.get(cache_key)
        if cached is not None and cached[1] > now:
            left = cached[1] - now
            if left < self._cache_seconds * RENEW_IN_LAST_FRACTION and cache_key not in self._renewing:
                self._renewing.add(cache_key)
                self._spawn(self._renew, cache_key, lookup)
            return cached[0], left
        return self._look_up(cache_key, lookup), self._cache_seconds

    def _look_up(self, cache_key: str, lookup) -> int | None:
        user_id = self._pool.run(lookup)
        if len(self._cache) >= CACHE_MAX_ENTRIES:
            self._cache.clear()
        self._cache[cache_key] = (user_id, self._clock() + self._cache_seconds)
        return user_id

    def _renew(self, cache_key: str, lookup) -> None:
        try:
            self._look_up(cache_key, lookup)
        except Exception:
            # The answer it has stays until it expires; then a request looks up itself.
            log.warning("could not renew a cached credential lookup", exc_info=True)
        finally:
            self._renewing.discard(cache_key)

    def _token_user(self, cur, key: str) -> int | None:
        cur.execute(
            f"SELECT u.id FROM {self._token_table} t JOIN {self._user_table} u ON u.id = t.user_id"
            " WHERE t.key = %s AND u.is_active",
            [key],
        )
        row = cur.fetchone()
        return row[0] if row else None

    def _session_user(self, cur, session_key: str) -> int | None:
        cur.execute(
            f"SELECT session_data FROM {self._session_table} WHERE session_key = %s AND expire_date > now()",
            [session_key],
        )
        row = cur.fetchone()
        if row is None:
            return None
        data = SessionStore().decode(row[0])
        try:
            user_id = int(data.get("_auth_user_id"))
        except (TypeError, ValueError):
            return None
        cur.execute(f"SELECT password, is_active FROM {self._user_table} WHERE id = %s", [user_id])
        row = cur.fetchone()
        if row is None or not row[1]:
            return None
        user = self._user_model(pk=user_id, password=row[0])
        claimed = data.get("_auth_user_hash", "")
        hashes = [user.get_session_auth_hash(), *user.get_session_auth_fallback_hash()]
        if not any(constant_time_compare(claimed, h) for h in hashes):
            return None
        return user_id


def _cookie(environ, name: str) -> str | None:
    raw = environ.get("HTTP_COOKIE")
    return parse_cookie(raw).get(name) if raw else None
