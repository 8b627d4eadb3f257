"""/api/v1/ addresses of care (visits, duties, disputes, pairings), civic
(meetings, suggestions, projects) and engage (volunteers, activities)."""

from django.urls import URLPattern, URLResolver, path

from jiayuan.api.care import views_care as care

urlpatterns: list[URLPattern | URLResolver] = [
    path("visits/", care.VisitListView.as_view(), name="api_visit_list"),
    path("visits/<str:pk>/", care.VisitDetailView.as_view(), name="api_visit_detail"),
    path("duties/", care.DutyListView.as_view(), name="api_duty_list"),
    path("disputes/", care.DisputeListView.as_view(), name="api_dispute_list"),
    path("disputes/<str:pk>/", care.DisputeDetailView.as_view(), name="api_dispute_detail"),
    path("pairings/", care.PairingListView.as_view(), name="api_pairing_list"),
    path("pairings/<str:pk>/", care.PairingDetailView.as_view(), name="api_pairing_detail"),
]
