"""Stub: being written."""

from django.http import Http404


def export_page(request, pk=None):
    raise Http404


def export_download(request, pk=None):
    raise Http404

