"""Open311 GeoReport v2, mounted at /open311/v2/ (jiayuan.urls). The format
comes from the suffix (.json or .xml); without one, JSON."""

from django.urls import URLPattern, URLResolver, re_path

from jiayuan.api.open311 import views as v

FMT = r"(?:\.(?P<format>json|xml))?$"

urlpatterns: list[URLPattern | URLResolver] = [
    re_path(r"^discovery" + FMT, v.DiscoveryView.as_view(), name="open311_discovery"),
    re_path(r"^services" + FMT, v.ServiceListView.as_view(), name="open311_services"),
    re_path(r"^services/(?P<code>[^/.]+)" + FMT, v.ServiceDefinitionView.as_view(),
            name="open311_service"),
    re_path(r"^requests" + FMT, v.RequestListView.as_view(), name="open311_requests"),
    re_path(r"^requests/(?P<ref>[^/.]+)" + FMT, v.RequestDetailView.as_view(),
            name="open311_request"),
    # Anything else: the spec's error shape (unnamed: not a page of its own).
    re_path(r"^.*$", v.NotFoundView.as_view()),
]
