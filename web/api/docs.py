"""Swagger UI and ReDoc assets, served from the installed drf-spectacular-sidecar package.

Beacon has no static-files pipeline (the realtime client is served by the
realtime process), and the machines it runs on may have no internet: the
docs pages load their scripts from here, never from a CDN.
"""

from pathlib import Path

import drf_spectacular_sidecar
from django.views.static import serve

ASSETS = Path(drf_spectacular_sidecar.__file__).resolve().parent / "static" / "drf_spectacular_sidecar"


def asset(request, path: str):
    # django.views.static.serve refuses paths that leave ASSETS.
    return serve(request, path, document_root=str(ASSETS))
