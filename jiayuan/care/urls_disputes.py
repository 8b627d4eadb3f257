"""Stub: replaced by the disputes pages."""

from django.urls import path

from jiayuan.care._stub import todo

urlpatterns: list = [
    path("", todo, name="dispute_list"),
    path("new/", todo, name="dispute_new"),
]
