"""Improvement projects and the wall chart (挂图作战), under /civic/projects/."""

from django.urls import path

from jiayuan.civic.projects import views, views_wall

urlpatterns: list = [
    path("", views.project_list, name="project_list"),
    path("new/", views.project_new, name="project_new"),
    path("wall/", views_wall.wall_chart, name="wall_chart"),
    path("wall/screen/", views_wall.wall_chart_screen, name="wall_chart_screen"),
    path("wall/chart.pdf", views_wall.wall_chart_pdf, name="wall_chart_pdf"),
    path("<int:pk>/", views.project_detail, name="project_detail"),
    path("<int:pk>/edit/", views.project_edit, name="project_edit"),
    path("<int:pk>/status/", views.project_status, name="project_status"),
    path("<int:pk>/sub-projects/new/", views.project_child_new, name="project_child_new"),
    path("<int:pk>/milestones/", views.project_milestone_add, name="project_milestone_add"),
    path("<int:pk>/milestones/<int:ms>/", views.project_milestone, name="project_milestone"),
    path("<int:pk>/updates/", views.project_update_add, name="project_update_add"),
    path("<int:pk>/updates/<int:upd>/photo/", views.project_photo, name="project_photo"),
]
