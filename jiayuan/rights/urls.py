"""Residents' rights: a person's record (JSON, PDF) and erasure."""

from django.urls import URLPattern, URLResolver, path

from jiayuan.rights import views_erasure

app_name = "rights"

urlpatterns: list[URLPattern | URLResolver] = [
    path("people/<int:pk>/erase/", views_erasure.person_erase, name="person_erase"),
]
