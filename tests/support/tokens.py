"""A named API token for a test's user (web/api/tokens.py), its key in the clear as the profile shows it once."""

import itertools

_numbers = itertools.count(1)


def new_key(user, name: str | None = None) -> str:
    from web.api.tokens import create_token  # inside: some importers load before Django is set up

    _, key = create_token(user, name or f"test token {next(_numbers)}")
    return key
