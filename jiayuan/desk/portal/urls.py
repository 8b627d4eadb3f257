"""The public resident portal, under /portal/ (no account needed)."""

from django.urls import path

from jiayuan.desk.portal import views as v

urlpatterns = [
    path("", v.landing, name="portal"),
    path("services/<slug:code>/", v.service_detail, name="portal_service"),
    path("request/", v.request_create, name="portal_request"),
    path("request/thanks/", v.thanks, name="portal_thanks"),
    path("status/", v.status_lookup, name="portal_status_lookup"),
    path("status/<str:ref>/<str:token>/", v.status, name="portal_status"),
]
