"""``GET /metrics`` on the web process: the site's Prometheus exposition, for a scraper with the operators' token.

Each app keeps its own collector (web/outbox/metrics.py: events in flight and
sent again; web/digest/metrics.py: mails sent and left for the next run);
this module, above both, puts them in one registry.
"""

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.views.decorators.http import require_GET
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from common.operator import is_operator, refusal
from web.digest.metrics import DigestCollector
from web.outbox.metrics import DeliveryCollector


def exposition() -> tuple[bytes, str]:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(DeliveryCollector())
    registry.register(DigestCollector())
    return generate_latest(registry), CONTENT_TYPE_LATEST


@require_GET
def metrics_view(request):
    """Delivery metrics for a Prometheus scraper that sends ``Authorization: Bearer <OPERATOR_TOKEN>``."""
    if not is_operator(request.headers.get("Authorization"), settings.OPERATOR_TOKEN):
        status, body = refusal(settings.OPERATOR_TOKEN)
        response = JsonResponse(body, status=status)
        if status == 401:
            response["WWW-Authenticate"] = "Bearer"
        return response
    body, content_type = exposition()
    return HttpResponse(body, content_type=content_type)
