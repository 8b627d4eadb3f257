"""Residents' rights: a person's record (JSON, PDF) and erasure; retention."""

from django.urls import URLPattern, URLResolver, path

from jiayuan.rights import views_retention

app_name = "rights"

urlpatterns: list[URLPattern | URLResolver] = [
    path("retention/", views_retention.retention_report, name="retention"),
]
