"""Staff pages of visits and care, under /care/. Each sub-domain has its own urls."""

from django.urls import include, path

urlpatterns: list = [
    path("visits/", include("jiayuan.care.visits.urls")),
    path("duties/", include("jiayuan.care.duties.urls")),
    path("disputes/", include("jiayuan.care.mediation.urls")),
    path("pairings/", include("jiayuan.care.pairing.urls")),
]
