"""Staff pages of participation, under /engage/."""

from django.urls import include, path

urlpatterns = [
    path("volunteers/", include("jiayuan.engage.volunteers.urls")),
    path("activities/", include("jiayuan.engage.activities.urls")),
    path("column/", include("jiayuan.engage.column.urls")),
    path("cards/", include("jiayuan.engage.cards.urls")),
]
