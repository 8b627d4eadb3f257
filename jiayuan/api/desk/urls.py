"""The desk's staff API under /api/v1/ (docs/api/desk.md)."""

from django.urls import path

from jiayuan.api.desk import views, views_parts

urlpatterns = [
    path("services/", views.ServiceList.as_view(), name="api_services_list"),
    path("cases/", views.CaseList.as_view(), name="api_cases_list"),
    path("cases/<int:pk>/", views.CaseDetail.as_view(), name="api_case_detail"),
    path("cases/<int:pk>/transitions/", views.CaseTransition.as_view(),
         name="api_case_transition"),
    path("cases/<int:pk>/notes/", views_parts.CaseNotes.as_view(), name="api_case_notes"),
    path("cases/<int:pk>/referrals/", views_parts.CaseReferrals.as_view(),
         name="api_case_referrals"),
]
