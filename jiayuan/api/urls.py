"""The API's addresses.

/api/v1/…        the staff API (token or session); one urls.py per area below
/api/schema/     the OpenAPI 3 schema (YAML; ?format=json for JSON)
/api/docs/       the schema rendered (Swagger UI served from here, no CDN)
/open311/v2/…    Open311 GeoReport v2 (jiayuan.urls mounts jiayuan.api.open311.urls)
"""

from csp.decorators import csp_replace
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from jiayuan.api import errors, views_me

v1 = [
    path("me/", views_me.MeView.as_view(), name="api_me"),
    path("", include("jiayuan.api.registry.urls")),
    path("", include("jiayuan.api.desk.urls")),
    path("", include("jiayuan.api.care.urls")),
    path("", include("jiayuan.api.civic.urls")),
    path("", include("jiayuan.api.webhooks.urls")),
    path("", include("jiayuan.api.account.urls")),
]

# Swagger UI (from the sidecar, served from /static/) sets inline styles and its
# stylesheet draws icons as data: SVG, which the site's CSP refuses: this one page,
# and no other, allows both. Its scripts stay 'self' (the split view serves its
# start-up script as a file).
docs_view = csp_replace({"style-src": ["'self'", "'unsafe-inline'"],
                         "img-src": ["'self'", "data:"]})(
    SpectacularSwaggerSplitView.as_view(url_name="api_schema"))

urlpatterns = [
    path("v1/", include(v1)),
    path("schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("docs/", docs_view, name="api_docs"),
    # Anything else under /api/ answers in the API's own error shape.
    re_path(r"^.*$", errors.NotFoundView.as_view()),
]
