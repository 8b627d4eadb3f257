"""Residents' rights: a person's record (JSON, PDF) and erasure."""

from django.urls import URLPattern, URLResolver, path  # noqa: F401

app_name = "rights"

urlpatterns: list[URLPattern | URLResolver] = [
]
