"""Staff pages of deliberation, under /civic/."""

from django.urls import include, path

urlpatterns = [
    path("meetings/", include("jiayuan.civic.meetings.urls")),
    path("suggestions/", include("jiayuan.civic.suggestions.urls")),
    path("projects/", include("jiayuan.civic.projects.urls")),
]
