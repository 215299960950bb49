"""Who is asking: an API token or the Django session, checked without Django's request stack.

``Authorization: Token <key>`` (or ``Bearer <key>``) is looked up in the
API's named-token table by the key's SHA-256, the only form it is stored in
(web/api/tokens.py), and the token's last use noted as the API notes it. A
session is read from its row, then Django's own user model computes the
session hash from the password, so a password change or log-out ends realtime
access exactly as it ends page access. Answers are cached for a while
(REALTIME_SESSION_CACHE_SECONDS), but the site publishes a revocation on the
user's channel whenever one of their credentials ends (a log-out, a password
change, a token revoked or replaced, the account made inactive or deleted:
web/accounts/revocation.py), and :meth:`SessionAuthenticator.forget` drops
every answer naming that user at once; the cache lifetime only bounds a
revocation whose publish was lost with Redis.
Only the database session backend is read (settings.SESSION_ENGINE).
"""

import hashlib
import logging
import time

import gevent
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore
from django.http.cookie import parse_cookie
from django.utils.crypto import constant_time_compare

from realtime.batch import BatchedLookup

# A bound on memory, not a tuning knob: past it the cache starts afresh.
CACHE_MAX_ENTRIES = 100_000
# Longer than any token (47, or 40 from before named tokens) or session key (32) Django makes.
MAX_KEY_LENGTH = 256
# web/api's ApiToken, named here because realtime/ imports nothing of web/
# (tests/unit/test_auth_cache.py checks the name against the model).
TOKEN_TABLE = "api_apitoken"
TOKEN_SCHEMES = ("token", "bearer")
# As web/api/tokens.py's LAST_USED_PRECISION: last_used_at is written at most
# once a minute per token. A lookup here is itself cached for
# REALTIME_SESSION_CACHE_SECONDS, so a poller costs that write rarely anyway.
LAST_USED_PRECISION_SECONDS = 60
# In the last third of an answer's lifetime, a request that uses it also
# renews it in the background: a user who polls every 25-30 s is never made
# to wait for a lookup, and a revoked credential still ends within the lifetime.
# Look-ups, renewals or not, are made in batches (realtime/batch.py).
RENEW_IN_LAST_FRACTION = 1 / 3
# Renewals due are gathered for this share of the lifetime (half the last
# third, so each is done with time to spare) and made together: thousands of
# idle pollers, each renewing at its own moment, cost a query every few
# seconds, not one per re-poll.
RENEW_GATHER_FRACTION = RENEW_IN_LAST_FRACTION / 2

log = logging.getLogger(__name__)


class SessionAuthenticator:
    def __init__(self, pool, *, cache_seconds: float, clock=time.monotonic, spawn=gevent.spawn,
                 renew_gather_seconds: float | None = None):
        self._cache_seconds = cache_seconds
        self._clock = clock
        self._spawn = spawn
        self._cache: dict[str, tuple[int | None, float]] = {}
        self._keys_of: dict[int, set[str]] = {}  # user id -> the cache keys naming them
        # user id -> when their last revocation arrived: a look-up asked before
        # it may have read what the revocation undid, and is asked again.
        self._revoked_at: dict[int, float] = {}
        self._all_revoked_at = float("-inf")
        self._renewing: set[str] = set()  # due or being looked up
        self._due: list[tuple[str, BatchedLookup, str]] = []
        self._gather_seconds = (cache_seconds * RENEW_GATHER_FRACTION if renew_gather_seconds is None
                                else renew_gather_seconds)
        user_model = get_user_model()
        self._user_model = user_model
        self._user_table = user_model._meta.db_table
        self._session_table = SessionStore.get_model_class()._meta.db_table
        self._token_table = TOKEN_TABLE
        self._tokens = BatchedLookup(pool, self._token_users, spawn=spawn)
        self._sessions = BatchedLookup(pool, self._session_users, spawn=spawn)

    def identify(self, environ) -> tuple[int | None, float]:
        """The user the request's credentials name, and for how many seconds more that answer is trusted.

        An event stream asks again when that time is up, so a log-out ends it
        as soon as it would refuse a poll.
        """
        header = environ.get("HTTP_AUTHORIZATION")
        if header:
            scheme, _, key = header.partition(" ")
            key = key.strip()
            if scheme.lower() not in TOKEN_SCHEMES or not _plausible(key):
                return None, 0.0
            # By its hash: that is what the table holds, and no key is kept in this process's memory.
            key_hash = hashlib.sha256(key.encode()).hexdigest()
            return self._cached("token:" + key_hash, self._tokens, key_hash)
        session_key = _cookie(environ, settings.SESSION_COOKIE_NAME)
        if not session_key or not _plausible(session_key):
            return None, 0.0
        return self._cached("session:" + session_key, self._sessions, session_key)

    def _cached(self, cache_key: str, lookups: BatchedLookup, key: str) -> tuple[int | None, float]:
        now = self._clock()
        cached = self._cache.get(cache_key)
        if cached is not None and cached[1] > now:
            left = cached[1] - now
            if left < self._cache_seconds * RENEW_IN_LAST_FRACTION and cache_key not in self._renewing:
                self._renewing.add(cache_key)
                if not self._due:
                    self._spawn(self._renew_due)
                self._due.append((cache_key, lookups, key))
            return cached[0], left
        asked_at = now
        user_id = lookups.get(key)
        if self._revoked_since(user_id, asked_at):
            user_id = lookups.get(key)  # asked after the revocation: what PostgreSQL says now
        self._remember(cache_key, user_id)
        return user_id, self._cache_seconds

    def forget(self, user_id: int) -> None:
        """One of the user's credentials has ended: trust nothing cached about them (a revocation)."""
        now = self._clock()
        if len(self._revoked_at) >= CACHE_MAX_ENTRIES:  # a bound on memory: as if all were revoked now
            self._all_revoked_at = now
            self._revoked_at.clear()
        self._revoked_at[user_id] = now
        for cache_key in self._keys_of.pop(user_id, ()):
            self._cache.pop(cache_key, None)

    def forget_all(self) -> None:
        """Revocations may have been missed (the Redis subscription was lost): trust nothing cached."""
        self._all_revoked_at = self._clock()
        self._revoked_at.clear()
        self._cache.clear()
        self._keys_of.clear()

    def _revoked_since(self, user_id: int | None, asked_at: float) -> bool:
        if user_id is None:
            return False
        return max(self._all_revoked_at, self._revoked_at.get(user_id, float("-inf"))) >= asked_at

    def _remember(self, cache_key: str, user_id: int | None) -> None:
        if len(self._cache) >= CACHE_MAX_ENTRIES:
            self._cache.clear()
            self._keys_of.clear()
        self._cache[cache_key] = (user_id, self._clock() + self._cache_seconds)
        if user_id is not None:
            self._keys_of.setdefault(user_id, set()).add(cache_key)

    def _renew_due(self) -> None:
        """After the gathering time, every renewal due since in one batch per kind (realtime/batch.py)."""
        gevent.sleep(self._gather_seconds)
        due, self._due = self._due, []
        asked_at = self._clock()
        for cache_key, lookups, key in due:
            lookups.ask(key).rawlink(lambda result, cache_key=cache_key: self._renewed(cache_key, result, asked_at))

    def _renewed(self, cache_key: str, result, asked_at: float) -> None:
        """A background renewal's answer (from the event loop: no waiting here)."""
        self._renewing.discard(cache_key)
        if result.successful():
            if self._revoked_since(result.value, asked_at):
                return  # it may predate the revocation; the next request asks again itself
            self._remember(cache_key, result.value)
        else:
            # The answer it has stays until it expires; then a request looks up itself.
            log.warning("could not renew a cached credential lookup: %r", result.exception)

    def _token_users(self, cur, key_hashes: list[str]) -> dict[str, int]:
        cur.execute(
            f"SELECT t.key_hash, u.id FROM {self._token_table} t JOIN {self._user_table} u ON u.id = t.user_id"
            " WHERE t.key_hash = ANY(%s) AND u.is_active",
            [key_hashes],
        )
        found = dict(cur.fetchall())
        if found:
            # Safe to run twice (ConnectionPool.run may): it only moves the time forward.
            cur.execute(
                f"UPDATE {self._token_table} SET last_used_at = now() WHERE key_hash = ANY(%s)"
                " AND (last_used_at IS NULL OR last_used_at <= now() - make_interval(secs => %s))",
                [list(found), LAST_USED_PRECISION_SECONDS],
            )
        return found

    def _session_users(self, cur, session_keys: list[str]) -> dict[str, int]:
        cur.execute(
            f"SELECT session_key, session_data FROM {self._session_table}"
            " WHERE session_key = ANY(%s) AND expire_date > now()",
            [session_keys],
        )
        claims = {}  # session key -> (user id, the session hash it was made with)
        for session_key, session_data in cur.fetchall():
            data = SessionStore().decode(session_data)
            try:
                claims[session_key] = (int(data.get("_auth_user_id")), data.get("_auth_user_hash", ""))
            except (TypeError, ValueError):
                continue
        if not claims:
            return {}
        cur.execute(f"SELECT id, password FROM {self._user_table} WHERE id = ANY(%s) AND is_active",
                    [list({user_id for user_id, _ in claims.values()})])
        passwords = dict(cur.fetchall())
        found = {}
        for session_key, (user_id, claimed) in claims.items():
            if user_id not in passwords:
                continue
            user = self._user_model(pk=user_id, password=passwords[user_id])
            hashes = [user.get_session_auth_hash(), *user.get_session_auth_fallback_hash()]
            if any(constant_time_compare(claimed, h) for h in hashes):
                found[session_key] = user_id
        return found


def _plausible(key: str) -> bool:
    """Whether a key could be one we issued. A key PostgreSQL cannot take (a NUL byte) would fail
    the whole batch of look-ups it joined, other users' with it: it is nobody, without a query."""
    return bool(key) and len(key) <= MAX_KEY_LENGTH and key.isascii() and key.isprintable()


def _cookie(environ, name: str) -> str | None:
    raw = environ.get("HTTP_COOKIE")
    return parse_cookie(raw).get(name) if raw else None
