"""Who may read the operators' endpoints (the web's /metrics, the realtime process's metrics and health
detail): a request that sends ``Authorization: Bearer <OPERATOR_TOKEN>``.

A token rather than a list of addresses: behind a proxy every request comes
from the proxy's address, so an address check would let the world in.
"""

import hmac

OPERATOR_SCHEME = "bearer"


def is_operator(authorization: str | None, token: str) -> bool:
    """Whether the request's Authorization header carries the operators' token (none configured: nobody)."""
    if not token or not authorization:
        return False
    scheme, _, given = authorization.partition(" ")
    return scheme.lower() == OPERATOR_SCHEME and hmac.compare_digest(given.strip().encode(), token.encode())


def refusal(token: str) -> tuple[int, dict]:
    """The status and JSON body for a request that is not the operators': what to do about it."""
    if not token:
        return 403, {"error": "forbidden", "detail": "operator endpoints are off: set OPERATOR_TOKEN to read them"}
    return 401, {"error": "unauthenticated", "detail": "send Authorization: Bearer <OPERATOR_TOKEN>"}
