from django.urls import path

from jiayuan.reports import views_dashboard as dv
from jiayuan.reports import views_report as rv

urlpatterns = [
    path("figures/<str:code>/", dv.figure_records, name="figure_records"),
    path("reports/", rv.report_page, name="report"),
    path("reports/report.xlsx", rv.report_xlsx, name="report_xlsx"),
    path("reports/report.pdf", rv.report_pdf, name="report_pdf"),
    path("reports/runs/", rv.report_runs, name="report_runs"),
    path("reports/runs/file/", rv.report_run_file, name="report_run_file"),
]
