"""Turning what actions wrote into notifications, and reading the API's error answers."""

from web.notifications.delivery import deliver
from web.notifications.events import NotificationEvent
from web.outbox.models import OutboxEvent


def deliver_outbox() -> None:
    """Deliver every event the actions so far wrote, as the consumer would (idempotent: run it as often as needed)."""
    for row in OutboxEvent.objects.order_by("id"):
        deliver(NotificationEvent.from_dict(row.payload))


def assert_error(response, status: int, code: str | None = None) -> dict:
    """The answer is an error in the API's shape, with this status (and code); returns its body."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert isinstance(body.get("error"), str) and isinstance(body.get("detail"), str) and body["detail"], body
    if code is not None:
        assert body["error"] == code, body
    return body


# The graph the API tests upload: three nodes, one edge.
GRAPH = {"elements": {"nodes": [{"data": {"id": "a"}}, {"data": {"id": "b"}}, {"data": {"id": "c"}}],
                      "edges": [{"data": {"source": "a", "target": "b"}}]}}
