"""Stub: replaced by the pairings pages."""

from django.urls import path

from jiayuan.care._stub import todo

urlpatterns: list = [
    path("", todo, name="pairing_list"),
    path("new/", todo, name="pairing_new"),
]
