"""See jiayuan/api/urls.py."""
