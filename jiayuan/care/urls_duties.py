"""Stub: replaced by the duties pages."""

from django.urls import path

from jiayuan.care._stub import todo

urlpatterns: list = [
    path("", todo, name="duty_list"),
    path("stats/", todo, name="care_stats"),
    path("settings/", todo, name="care_settings"),
    path("festivals/", todo, name="festival_list"),
]
