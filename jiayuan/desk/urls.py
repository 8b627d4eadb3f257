"""Staff pages of the service desk, under /desk/."""

from django.urls import include, path

from jiayuan.desk.cases import views, views_receipt, views_reminders

urlpatterns: list = [
    path("", views.queue_view, name="desk"),
    path("queue/<slug:code>/", views.queue_view, name="desk_queue"),
    path("new/", views.case_new, name="case_new"),
    path("new/requester/", views.requester_search, name="requester_search"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/<int:pk>/edit/", views.case_edit, name="case_edit"),
    path("cases/<int:pk>/receipt/", views_receipt.case_receipt_view, name="case_receipt"),
    path("cases/<int:pk>/action/", views.case_transition, name="case_transition"),
    path("cases/<int:pk>/assign/", views.case_assign, name="case_assign"),
    path("cases/<int:pk>/note/", views.case_note, name="case_note"),
    path("cases/<int:pk>/documents/", views.case_document, name="case_document"),
    path("cases/<int:pk>/documents/<int:doc>/", views.document_download,
         name="case_document_download"),
    path("cases/<int:pk>/follow-up/", views.case_follow_up, name="case_follow_up"),
    path("cases/<int:pk>/match/", views.case_match, name="case_match"),
    path("cases/<int:pk>/reveal-phone/", views.caller_phone_reveal, name="caller_phone_reveal"),
    path("reminders/", views_reminders.reminder_list, name="reminder_list"),
    path("reminders/<int:pk>/done/", views_reminders.reminder_done, name="reminder_done"),
    path("", include("jiayuan.desk.referrals.urls")),
    path("", include("jiayuan.desk.catalogue.urls")),
]
