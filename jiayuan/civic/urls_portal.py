"""Public pages of deliberation on the portal: suggestions (金点子) and
"you said, we did", and project pages (no personal data)."""

from django.urls import path

from jiayuan.civic.projects.views_portal import portal_project
from jiayuan.civic.suggestions import views_portal as ideas

urlpatterns = [
    # --- suggestions (金点子) ---
    path("ideas/", ideas.ideas_done, name="portal_ideas_done"),
    path("ideas/new/", ideas.idea_new, name="portal_idea_new"),
    path("ideas/status/", ideas.idea_lookup, name="portal_idea_lookup"),
    path("ideas/status/<str:ref>/<str:token>/", ideas.idea_status, name="portal_idea_status"),
    # --- projects ---
    path("projects/<str:ref>/", portal_project, name="portal_project"),
]
