"""Spreadsheet pages, under /sheets/: roster imports and exports."""

from django.urls import path

from jiayuan.sheets import views_export as ev
from jiayuan.sheets import views_import as iv

urlpatterns = [
    path("imports/", iv.import_list, name="import_list"),
    path("imports/<int:pk>/", iv.import_detail, name="import_detail"),
    path("imports/<int:pk>/mapping/", iv.import_mapping, name="import_mapping"),
    path("imports/<int:pk>/sheets/", iv.import_sheets, name="import_sheets"),
    path("imports/<int:pk>/progress/", iv.import_progress, name="import_progress"),
    path("imports/<int:pk>/check/", iv.import_recheck, name="import_recheck"),
    path("imports/<int:pk>/commit/", iv.import_commit, name="import_commit"),
    path("imports/<int:pk>/undo/", iv.import_undo, name="import_undo"),
    path("imports/<int:pk>/errors.xlsx", iv.import_errors, name="import_errors"),
    path("exports/", ev.export_page, name="export_page"),
    path("exports/download/", ev.export_download, name="export_download"),
]
