"""Staff pages of visits and care, under /care/. Each part has its own module."""

from django.urls import include, path

urlpatterns: list = [
    path("visits/", include("jiayuan.care.urls_visits")),
    path("duties/", include("jiayuan.care.urls_duties")),
    path("disputes/", include("jiayuan.care.urls_disputes")),
    path("pairings/", include("jiayuan.care.urls_pairings")),
]
