from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from web.outbox import metrics


@require_GET
def metrics_view(request):
    """Delivery metrics for a Prometheus scraper on an allowed address (METRICS_ALLOWED_IPS)."""
    if request.META.get("REMOTE_ADDR") not in settings.METRICS_ALLOWED_IPS:
        return JsonResponse({"error": "forbidden", "detail": "metrics are served to METRICS_ALLOWED_IPS only"},
                            status=403)
    body, content_type = metrics.exposition()
    return HttpResponse(body, content_type=content_type)
