"""/api/v1/ addresses of civic (suggestions, projects, meetings) and engage
(activities, volunteers)."""

from django.urls import URLPattern, URLResolver, path

from jiayuan.api.civic import views, views_engage, views_meetings, views_projects

urlpatterns: list[URLPattern | URLResolver] = [
    path("suggestions/", views.SuggestionListView.as_view(), name="api_suggestion_list"),
    path("suggestions/<str:pk>/", views.SuggestionDetailView.as_view(),
         name="api_suggestion_detail"),
    path("projects/", views_projects.ProjectListView.as_view(), name="api_project_list"),
    path("projects/<str:pk>/", views_projects.ProjectDetailView.as_view(),
         name="api_project_detail"),
    path("meetings/", views_meetings.MeetingListView.as_view(), name="api_meeting_list"),
    path("meetings/<str:pk>/", views_meetings.MeetingDetailView.as_view(),
         name="api_meeting_detail"),
    path("activities/", views_engage.ActivityListView.as_view(), name="api_activity_list"),
    path("activities/<str:pk>/", views_engage.ActivityDetailView.as_view(),
         name="api_activity_detail"),
    path("volunteers/", views_engage.VolunteerListView.as_view(), name="api_volunteer_list"),
]
