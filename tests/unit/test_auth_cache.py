"""The realtime process's credential cache: a known token or session costs no lookup within its lifetime,
one in use is renewed before it expires, so a steady poller never waits for one, and look-ups made
together are one query."""

import hashlib
import time

import gevent

from realtime.auth import TOKEN_TABLE, SessionAuthenticator
from web.api.models import ApiToken


def token(key="abc"):
    return {"HTTP_AUTHORIZATION": f"Token {key}"}


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


class TokenTable:
    """Stands in for the database pool: answers the token query from a dict of keys, counting queries
    (the look-ups; the last-used writes that follow a found token are counted apart)."""

    def __init__(self):
        self.queries = 0
        self.keys_asked = []
        self.last_used_written = []
        self.users = {"abc": 7}
        self.broken = False

    def run(self, work):
        return work(self)

    # the cursor's part
    def execute(self, sql, params):
        if self.broken:
            raise OSError("database gone")
        if sql.startswith("UPDATE"):
            self.last_used_written.append(sorted(params[0]))
            return
        self.queries += 1
        self.keys_asked.append(sorted(params[0]))
        by_hash = {hashlib.sha256(key.encode()).hexdigest(): user for key, user in self.users.items()}
        self._rows = [(key_hash, by_hash[key_hash]) for key_hash in params[0] if by_hash.get(key_hash) is not None]

    def fetchall(self):
        return self._rows


def authenticator():
    clock, table = Clock(), TokenTable()
    return SessionAuthenticator(table, cache_seconds=30, clock=clock, renew_gather_seconds=0.01), clock, table


def renewals_done(auth, timeout=5.0):
    """Let the event loop run until no renewal is in flight (this test process is not monkey-patched)."""
    deadline = time.monotonic() + timeout
    while auth._renewing:
        assert time.monotonic() < deadline, "a renewal did not end"
        gevent.sleep(0.001)


def test_a_known_token_costs_no_lookup_within_its_lifetime():
    auth, clock, table = authenticator()
    assert auth.identify(token()) == (7, 30)
    for _ in range(5):
        clock.now += 3
        assert auth.identify(token())[0] == 7
    assert table.queries == 1


def test_one_in_use_is_renewed_before_it_expires_so_a_steady_poller_never_waits():
    auth, clock, table = authenticator()
    auth.identify(token())
    for _ in range(20):  # a poll every 25 s, for eight minutes
        clock.now += 25
        user, left = auth.identify(token())
        assert (user, left > 0) == (7, True)  # answered from the cache, every time
        renewals_done(auth)  # the renewal, in the background
    assert table.queries == 21  # one at first, then one renewal per poll in the last third


def test_a_revoked_token_ends_within_the_lifetime():
    auth, clock, table = authenticator()
    auth.identify(token())
    table.users["abc"] = None  # revoked
    clock.now += 25
    assert auth.identify(token())[0] == 7  # still trusted: 5 s of its lifetime left
    renewals_done(auth)
    clock.now += 1
    assert auth.identify(token())[0] is None


def test_a_renewal_that_fails_leaves_the_answer_until_it_expires():
    auth, clock, table = authenticator()
    auth.identify(token())
    table.broken = True
    clock.now += 25
    assert auth.identify(token())[0] == 7
    renewals_done(auth)  # fails, logged
    queries_before = table.queries
    table.broken = False
    assert auth.identify(token())[0] == 7  # still the answer it had
    renewals_done(auth)  # and the next use tries to renew it again
    assert table.queries == queries_before + 1


def test_renewals_due_at_different_moments_are_made_together():
    # given 300 pollers whose answers were cached at different moments
    auth, clock, table = authenticator()
    table.users = {f"key{n}": n for n in range(300)}
    for n in range(300):
        auth.identify(token(f"key{n}"))
        clock.now += 0.01
    queries_before = table.queries

    # when each re-polls in the last third of its answer's life, one after another
    clock.now += 22
    for n in range(300):
        assert auth.identify(token(f"key{n}"))[0] == n

    # then one query renews them all
    renewals_done(auth)
    assert table.queries == queries_before + 1
    assert auth.identify(token("key0"))[1] == 30


def test_many_new_tokens_at_once_are_looked_up_in_one_query():
    # given 300 clients connecting together, each with its own token
    auth, _, table = authenticator()
    table.users = {f"key{n}": n for n in range(300)}

    # when each asks who it is, from its own greenlet
    asking = [gevent.spawn(auth.identify, token(f"key{n}")) for n in range(300)]
    gevent.joinall(asking, timeout=5)

    # then each has its own user, from one query
    assert [g.value[0] for g in asking] == list(range(300))
    assert table.queries == 1


def test_an_unknown_token_is_nobody_and_is_remembered_as_such():
    auth, _, table = authenticator()
    assert auth.identify(token("nope"))[0] is None
    assert auth.identify(token("nope"))[0] is None
    assert table.queries == 1


def test_a_key_the_database_could_not_take_is_nobody_without_a_query():
    # a NUL byte would fail the whole batch it joined, other users' look-ups with it
    auth, _, table = authenticator()
    assert auth.identify(token("ab\x00c")) == (None, 0.0)
    assert auth.identify(token("x" * 10_000)) == (None, 0.0)
    assert table.queries == 0


# -- revocations: what the site publishes when one of a user's credentials ends --------------------


def test_a_revocation_ends_the_trust_in_every_credential_of_that_user_at_once_and_no_other():
    # given alice (7) with a token and bob (8) with his, both trusted
    auth, clock, table = authenticator()
    table.users = {"abc": 7, "abd": 7, "bob": 8}
    for key in table.users:
        auth.identify(token(key))
    queries_before = table.queries

    # when alice's token abc is revoked, and the revocation for her arrives
    table.users["abc"] = None
    auth.forget(7)

    # then abc is refused at once, well within its lifetime; her other token, asked again, still stands
    assert auth.identify(token("abc"))[0] is None
    assert auth.identify(token("abd"))[0] == 7
    # and bob's answer is still the cached one: no query for him
    queries_after_alice = table.queries
    assert auth.identify(token("bob"))[0] == 8
    assert table.queries == queries_after_alice > queries_before


def test_a_lookup_asked_before_a_revocation_is_not_trusted_after_it():
    # given a lookup of alice's token already under way when her revocation arrives
    auth, clock, table = authenticator()
    answered = []

    def revoke_while_the_query_runs(sql, params, execute=table.execute):
        execute(sql, params)
        if len(answered) == 0:
            answered.append(True)
            table.users["abc"] = None  # the token's row gone, committed ...
            auth.forget(7)  # ... and its revocation arrived, while this answer (7) was on its way
    table.execute = revoke_while_the_query_runs

    # then the request does not take the answer read before the revocation
    assert auth.identify(token())[0] is None
    # and nothing stale was cached
    assert auth.identify(token())[0] is None


def test_a_renewal_asked_before_a_revocation_is_dropped():
    auth, clock, table = authenticator()
    auth.identify(token())
    clock.now += 25  # in the last third: this use asks for a renewal in the background
    assert auth.identify(token())[0] == 7
    table.users["abc"] = None
    auth.forget(7)  # the revocation arrives before the renewal's answer, which may predate it
    renewals_done(auth)
    assert auth.identify(token())[0] is None


def test_forgetting_everyone_asks_again_for_every_credential():
    # (what a lost Redis subscription costs: revocations may have been missed)
    auth, clock, table = authenticator()
    table.users = {"abc": 7, "bob": 8}
    for key in table.users:
        auth.identify(token(key))
    table.users["abc"] = None
    auth.forget_all()
    assert auth.identify(token("abc"))[0] is None
    assert auth.identify(token("bob"))[0] == 8


# -- named tokens: looked up by hash, their use noted -----------------------------------------------


def test_the_table_read_by_name_is_the_api_tokens_own():
    assert TOKEN_TABLE == ApiToken._meta.db_table


def test_a_key_is_asked_by_its_hash_and_never_kept_in_the_clear():
    # given alice's key
    auth, _, table = authenticator()

    # when a poll brings it, as Token or as Bearer
    assert auth.identify(token("abc"))[0] == 7
    assert auth.identify({"HTTP_AUTHORIZATION": "Bearer abc"})[0] == 7

    # then the database was asked for its SHA-256 once, its use noted, and the cache holds no key
    key_hash = hashlib.sha256(b"abc").hexdigest()
    assert table.keys_asked == [[key_hash]]
    assert table.last_used_written == [[key_hash]]
    assert list(auth._cache) == ["token:" + key_hash]
