"""One-to-one pairing (一对一结对帮扶), under /care/pairings/."""

from django.urls import path

from jiayuan.care.pairing import views

urlpatterns: list = [
    path("", views.pairing_list, name="pairing_list"),
    path("new/", views.pairing_new, name="pairing_new"),
    path("new/households/", views.pairing_household_search, name="pairing_household_search"),
    path("new/people/", views.pairing_person_search, name="pairing_person_search"),
    path("<int:pk>/", views.pairing_detail, name="pairing_detail"),
    path("<int:pk>/checkins/", views.pairing_checkin, name="pairing_checkin"),
    path("<int:pk>/status/", views.pairing_status, name="pairing_status"),
    path("<int:pk>/planned-end/", views.pairing_planned_end, name="pairing_planned_end"),
]
