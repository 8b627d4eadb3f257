"""The business page, mounted at /businesses/<pk>/ by jiayuan/urls.py."""

from django.urls import path

from jiayuan.care import views_business as views

urlpatterns: list = [
    path("", views.business_detail, name="business_detail"),
]
