"""The realtime process's credential cache: a known token or session costs no lookup within its lifetime,
and one in use is renewed before it expires, so a steady poller never waits for one."""

from realtime.auth import SessionAuthenticator

TOKEN = {"HTTP_AUTHORIZATION": "Token abc"}


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


class CountingPool:
    """Stands in for the database pool: each run is one lookup, answering the current user."""

    def __init__(self):
        self.lookups = 0
        self.user = 7

    def run(self, work):
        self.lookups += 1
        return self.user


def authenticator():
    clock, pool, spawned = Clock(), CountingPool(), []
    auth = SessionAuthenticator(pool, cache_seconds=30, clock=clock, spawn=lambda fn, *args: spawned.append((fn, args)))
    return auth, clock, pool, spawned


def run_spawned(spawned):
    while spawned:
        fn, args = spawned.pop(0)
        fn(*args)


def test_a_known_token_costs_no_lookup_within_its_lifetime():
    auth, clock, pool, spawned = authenticator()
    assert auth.identify(TOKEN) == (7, 30)
    for _ in range(5):
        clock.now += 3
        assert auth.identify(TOKEN)[0] == 7
    assert pool.lookups == 1 and not spawned


def test_one_in_use_is_renewed_before_it_expires_so_a_steady_poller_never_waits():
    auth, clock, pool, spawned = authenticator()
    auth.identify(TOKEN)
    for _ in range(20):  # a poll every 25 s, for eight minutes
        clock.now += 25
        user, left = auth.identify(TOKEN)
        assert (user, left > 0) == (7, True)  # answered from the cache, every time
        run_spawned(spawned)  # the renewal, in the background
    assert pool.lookups == 21  # one at first, then one renewal per poll in the last third


def test_a_revoked_token_ends_within_the_lifetime():
    auth, clock, pool, spawned = authenticator()
    auth.identify(TOKEN)
    pool.user = None  # revoked
    clock.now += 25
    assert auth.identify(TOKEN)[0] == 7  # still trusted: 5 s of its lifetime left
    run_spawned(spawned)
    clock.now += 1
    assert auth.identify(TOKEN)[0] is None


def test_a_renewal_that_fails_leaves_the_answer_until_it_expires():
    auth, clock, pool, spawned = authenticator()
    auth.identify(TOKEN)

    def broken(work):
        raise OSError("database gone")

    pool.run = broken
    clock.now += 25
    assert auth.identify(TOKEN)[0] == 7
    run_spawned(spawned)  # fails, logged
    assert auth.identify(TOKEN)[0] == 7  # still the answer it had
    assert len(spawned) == 1  # and the next use tries to renew it again
