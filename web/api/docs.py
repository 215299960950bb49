"""Swagger UI and ReDoc assets, served from the installed drf-spectacular-sidecar package.

Beacon has no static-files pipeline (the realtime client is served by the
realtime process), and the machines it runs on may have no internet: the
docs pages load their scripts from here, never from a CDN. Their pages are
drf-spectacular's with Beacon's colours, light and dark, and a bar back to the
site (web/templates/api/, web/static/beacon/api_docs.css); ReDoc's own page
would load its fonts from Google, so its head is replaced.
"""

from pathlib import Path

import drf_spectacular_sidecar
from django.views.static import serve

SWAGGER_TEMPLATE = "api/swagger_ui.html"
REDOC_TEMPLATE = "api/redoc.html"
ASSETS = Path(drf_spectacular_sidecar.__file__).resolve().parent / "static" / "drf_spectacular_sidecar"


def asset(request, path: str):
    # django.views.static.serve refuses paths that leave ASSETS.
    return serve(request, path, document_root=str(ASSETS))
