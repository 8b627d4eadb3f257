"""Stub: replaced by the visits pages."""

from django.urls import path

from jiayuan.care._stub import todo

urlpatterns: list = [
    path("", todo, name="visit_list"),
    path("new/", todo, name="visit_new"),
]
