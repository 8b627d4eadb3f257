"""Stub: replaced by the business pages."""

from django.urls import path

from jiayuan.care._stub import todo

urlpatterns: list = [
    path("", todo, name="business_detail"),
]
