"""Stub: being written."""

from django.http import Http404


def import_list(request, pk=None):
    raise Http404


def import_detail(request, pk=None):
    raise Http404


def import_mapping(request, pk=None):
    raise Http404


def import_commit(request, pk=None):
    raise Http404


def import_undo(request, pk=None):
    raise Http404


def import_errors(request, pk=None):
    raise Http404

