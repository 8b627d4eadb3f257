"""Must-visit duties, their statistics and settings, the festival calendar,
under /care/duties/."""

from django.urls import path

from jiayuan.care.duties import views

urlpatterns: list = [
    path("", views.duty_list, name="duty_list"),
    path("stats/", views.care_stats, name="care_stats"),
    path("settings/", views.care_settings, name="care_settings"),
    path("festivals/", views.festival_list, name="festival_list"),
    path("festivals/<int:pk>/delete/", views.festival_delete, name="festival_delete"),
]
