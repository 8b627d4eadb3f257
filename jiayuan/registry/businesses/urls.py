"""Businesses, mounted at /businesses/ by jiayuan/urls.py."""

from django.urls import path

from jiayuan.registry.businesses import views

urlpatterns: list = [
    path("", views.business_list, name="business_list"),
    path("new/", views.business_create, name="business_create"),
    path("owner-search/", views.business_owner_search, name="business_owner_search"),
    path("<int:pk>/edit/", views.business_edit, name="business_edit"),
    path("<int:pk>/", views.business_detail, name="business_detail"),
]
