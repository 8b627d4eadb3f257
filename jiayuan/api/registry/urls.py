"""/api/v1/ addresses of the registry (docs/api/registry.md)."""

from django.urls import URLPattern, URLResolver, path

from jiayuan.api.registry import views, views_people

urlpatterns: list[URLPattern | URLResolver] = [
    path("households/", views.HouseholdListView.as_view(), name="api_household_list"),
    path("households/<int:pk>/", views.HouseholdDetailView.as_view(),
         name="api_household_detail"),
    path("people/<int:pk>/", views_people.PersonDetailView.as_view(), name="api_person_detail"),
    path("people/<int:pk>/reveal/<str:field>/", views_people.PersonRevealView.as_view(),
         name="api_person_reveal"),
    path("search/", views_people.SearchView.as_view(), name="api_search"),
]
