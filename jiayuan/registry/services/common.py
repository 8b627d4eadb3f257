"""Helpers the registry's service modules share."""

from __future__ import annotations

from enum import Enum

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _

from jiayuan.core.models import User
from jiayuan.core.scope import in_scope
from jiayuan.places.models import Dwelling
from jiayuan.registry.models import Household, Person


class Keep(Enum):
    """An update's "not given: keep what is recorded" (None is a value: "unknown")."""

    KEEP = "keep"


KEEP = Keep.KEEP


def check_dwelling(actor: User, dwelling: Dwelling) -> None:
    if not in_scope(actor, dwelling.grid_id):
        raise Http404


def check_scope(actor: User, grid_id: int) -> None:
    """Out of the actor's grids is "not found", exactly like a missing row."""
    if not in_scope(actor, grid_id):
        raise Http404


def what(obj: Household | Person) -> str:
    """How a Conflict names the record (core.versioning.conflict)."""
    if isinstance(obj, Household):
        return _("this household (%(ref)s)") % {"ref": obj}
    return _("the details of %(name)s") % {"name": obj.name}


def check_not_erased(*people: Person | None) -> None:
    """An erased person (rights.erasure) stays as a tombstone row so that what
    pointed at them holds; nothing new is recorded about them. Every service
    that writes something about a person calls this (None is skipped: an
    optional person not given). The erasure itself does not: it writes the
    tombstone."""
    if any(person is not None and person.is_erased for person in people):
        raise ValidationError(_("This person's data has been erased: nothing more can be "
                                "recorded about them."))
