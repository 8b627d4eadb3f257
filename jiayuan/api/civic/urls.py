"""/api/v1/ addresses of civic (suggestions, projects, meetings) and engage
(activities, volunteers)."""

from django.urls import URLPattern, URLResolver, path

from jiayuan.api.civic import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("suggestions/", views.SuggestionListView.as_view(), name="api_suggestion_list"),
    path("suggestions/<str:pk>/", views.SuggestionDetailView.as_view(),
         name="api_suggestion_detail"),
]
