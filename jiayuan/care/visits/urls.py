"""The visit diary, under /care/visits/."""

from django.urls import path

from jiayuan.care.visits import views

urlpatterns: list = [
    path("", views.visit_list, name="visit_list"),
    path("new/", views.visit_new, name="visit_new"),
    path("new/households/", views.visit_household_search, name="visit_household_search"),
    path("<int:pk>/", views.visit_detail, name="visit_detail"),
    path("<int:pk>/request/", views.visit_case_new, name="visit_case_new"),
]
