"""The policy column on the public portal, under /portal/engage/column/."""

from django.urls import path

from jiayuan.engage.column import views_portal as v

urlpatterns = [
    path("", v.portal_column, name="portal_column"),
    path("<int:pk>/", v.portal_post, name="portal_post"),
]
