"""Meetings (议事会、听证会…), under /civic/meetings/."""

from django.urls import path

from jiayuan.civic.meetings import rollcall, views

urlpatterns: list = [
    path("", views.meeting_list, name="meeting_list"),
    path("new/", views.meeting_new, name="meeting_new"),
    path("<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("<int:pk>/edit/", views.meeting_edit, name="meeting_edit"),
    path("<int:pk>/agenda/", views.meeting_agenda_add, name="meeting_agenda_add"),
    path("<int:pk>/agenda/<int:item>/remove/", views.meeting_agenda_remove,
         name="meeting_agenda_remove"),
    path("<int:pk>/invite/", views.meeting_invite, name="meeting_invite"),
    path("<int:pk>/people/search/", views.meeting_person_search,
         name="meeting_person_search"),
    path("<int:pk>/participants/<int:participant>/remove/", views.meeting_participant_remove,
         name="meeting_participant_remove"),
    path("<int:pk>/roll/", rollcall.meeting_rollcall, name="meeting_rollcall"),
    path("<int:pk>/minutes/", views.meeting_minutes, name="meeting_minutes"),
    path("<int:pk>/minutes/<int:minutes>/circulate/", views.meeting_minutes_circulate,
         name="meeting_minutes_circulate"),
    path("<int:pk>/minutes/<int:minutes>/approve/", views.meeting_minutes_approve,
         name="meeting_minutes_approve"),
    path("<int:pk>/minutes.pdf", views.meeting_minutes_pdf, name="meeting_minutes_pdf"),
    path("<int:pk>/attendance.pdf", views.meeting_attendance_pdf,
         name="meeting_attendance_pdf"),
    path("<int:pk>/decisions/", views.meeting_decision_add, name="meeting_decision_add"),
    path("<int:pk>/decisions/<int:decision>/status/", views.meeting_decision_status,
         name="meeting_decision_status"),
]
