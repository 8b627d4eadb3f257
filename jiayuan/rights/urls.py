"""Residents' rights: a person's record (JSON, PDF) and erasure; retention."""

from django.urls import URLPattern, URLResolver, path

from jiayuan.rights import views_erasure, views_record, views_retention

app_name = "rights"

urlpatterns: list[URLPattern | URLResolver] = [
    path("people/<int:pk>/record.json", views_record.person_record_json,
         name="person_record_json"),
    path("people/<int:pk>/record.pdf", views_record.person_record_pdf,
         name="person_record_pdf"),
    path("retention/", views_retention.retention_report, name="retention"),
    path("people/<int:pk>/erase/", views_erasure.person_erase, name="person_erase"),
]
