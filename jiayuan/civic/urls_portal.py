"""Public pages of deliberation on the portal: suggestions (金点子) and
"you said, we did", and project pages (no personal data)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
from jiayuan.civic.projects.views_portal import portal_project  # noqa: E402 (projects' line)

urlpatterns += [path("projects/<str:ref>/", portal_project, name="portal_project")]
