"""Mediation (矛盾纠纷调解), under /care/disputes/."""

from django.urls import path

from jiayuan.care.mediation import views

urlpatterns: list = [
    path("", views.dispute_list, name="dispute_list"),
    path("new/", views.dispute_new, name="dispute_new"),
    path("followups/", views.dispute_followups, name="dispute_followups"),
    path("<int:pk>/", views.dispute_detail, name="dispute_detail"),
    path("<int:pk>/agreement.pdf", views.dispute_pdf, name="dispute_pdf"),
    path("<int:pk>/edit/", views.dispute_edit, name="dispute_edit"),
    path("<int:pk>/parties/", views.dispute_party_add, name="dispute_party_add"),
    path("<int:pk>/parties/search/", views.dispute_party_search, name="dispute_party_search"),
    path("<int:pk>/parties/<int:party>/remove/", views.dispute_party_remove,
         name="dispute_party_remove"),
    path("<int:pk>/sessions/", views.dispute_session_add, name="dispute_session_add"),
    path("<int:pk>/agreement/", views.dispute_agreement, name="dispute_agreement"),
    path("<int:pk>/escalate/", views.dispute_escalate, name="dispute_escalate"),
    path("<int:pk>/close/", views.dispute_close, name="dispute_close"),
    path("<int:pk>/reopen/", views.dispute_reopen, name="dispute_reopen"),
    path("<int:pk>/follow-up/", views.dispute_followup, name="dispute_followup"),
]
