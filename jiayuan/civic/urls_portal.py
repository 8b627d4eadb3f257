"""Public pages of deliberation on the portal: suggestions (金点子) and
"you said, we did", and project pages (no personal data)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
