"""Swagger UI and ReDoc assets, served from the installed drf-spectacular-sidecar package.

Beacon has no static-files pipeline (the realtime client is served by the
realtime process), and the machines it runs on may have no internet: the
docs pages load their scripts from here, never from a CDN. Their pages are
drf-spectacular's with Beacon's colours, light and dark, and a bar back to the
site (web/templates/api/, web/static/beacon/api_docs.css); ReDoc's own page
would load its fonts from Google, so its head is replaced, and ReDoc's script
shows a logo from its CDN, which the pages' Content-Security-Policy keeps out
(ReDoc then leaves the logo out).
"""

from pathlib import Path

import drf_spectacular_sidecar
from django.views.static import serve
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerView

SWAGGER_TEMPLATE = "api/swagger_ui.html"
REDOC_TEMPLATE = "api/redoc.html"
ASSETS = Path(drf_spectacular_sidecar.__file__).resolve().parent / "static" / "drf_spectacular_sidecar"


# Nothing from elsewhere. Inline: drf-spectacular's Swagger settings script and both UIs' inline
# styles; blob: ReDoc's search worker.
DOCS_POLICY = ("default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
               "img-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; base-uri 'none'; "
               "form-action 'self'; frame-ancestors 'none'")


def _kept_to_the_site(view):
    def docs_page(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["Content-Security-Policy"] = DOCS_POLICY
        return response
    return docs_page


swagger_ui = _kept_to_the_site(SpectacularSwaggerView.as_view(url_name="api:schema", template_name=SWAGGER_TEMPLATE))
redoc = _kept_to_the_site(SpectacularRedocView.as_view(url_name="api:schema", template_name=REDOC_TEMPLATE))


def asset(request, path: str):
    # django.views.static.serve refuses paths that leave ASSETS.
    return serve(request, path, document_root=str(ASSETS))
