"""Volunteers on the portal, under /portal/engage/volunteers/."""

from django.urls import path

from jiayuan.engage.volunteers import views_portal as v

urlpatterns = [
    path("h/<str:token>/", v.volunteer_hours, name="portal_volunteer_hours"),
    path("stars/", v.stars, name="portal_stars"),
    path("certificates/<str:token>/", v.certificate, name="portal_certificate"),
]
