"""Public pages of participation on the portal (under /portal/engage/):
each part keeps its own block."""

from django.urls import include, path

urlpatterns = [
    path("volunteers/", include("jiayuan.engage.volunteers.urls_portal")),
    path("activities/", include("jiayuan.engage.activities.urls_portal")),
    path("column/", include("jiayuan.engage.column.urls_portal")),
    path("cards/", include("jiayuan.engage.cards.urls_portal")),
]
