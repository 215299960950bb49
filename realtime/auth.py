"""Who is asking: the Django session, checked without Django's request stack.

Reads the session row and the user's password hash itself, then asks Django's
own user model for the session hash, so a password change or log-out ends
realtime access exactly as it ends page access (after at most the cache
lifetime). Only the database session backend is read (settings.SESSION_ENGINE).
"""

import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore
from django.http.cookie import parse_cookie
from django.utils.crypto import constant_time_compare

# A bound on memory, not a tuning knob: past it the cache starts afresh.
SESSION_CACHE_MAX_ENTRIES = 100_000


class SessionAuthenticator:
    def __init__(self, pool, *, cache_seconds: float, clock=time.monotonic):
        self._pool = pool
        self._cache_seconds = cache_seconds
        self._clock = clock
        self._cache: dict[str, tuple[int | None, float]] = {}
        user_model = get_user_model()
        self._user_model = user_model
        self._user_table = user_model._meta.db_table
        self._session_table = SessionStore.get_model_class()._meta.db_table

    def user_id(self, environ) -> int | None:
        session_key = _cookie(environ, settings.SESSION_COOKIE_NAME)
        if not session_key:
            return None
        now = self._clock()
        cached = self._cache.get(session_key)
        if cached is not None and cached[1] > now:
            return cached[0]
        user_id = self._lookup(session_key)
        if len(self._cache) >= SESSION_CACHE_MAX_ENTRIES:
            self._cache.clear()
        self._cache[session_key] = (user_id, now + self._cache_seconds)
        return user_id

    def _lookup(self, session_key: str) -> int | None:
        with self._pool.connection() as conn, conn.cursor() as cur:
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
