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


def lock_households(*pks: int | None) -> None:
    """Lock these households' rows (to the commit), in the order of their keys.

    The registry's lock order is parent before child: households, then their
    people, then what hangs off a person (consents; the desk's rows after
    those). A service that will lock a person and write their household, or
    two households, takes the households first through this.

    FOR NO KEY UPDATE on PostgreSQL: it still waits for other writers of the
    household, but not for (nor holds up) a write to a row that points at it
    (a person or a case saved after its claim checks its household's key,
    FOR KEY SHARE), which would otherwise deadlock against this order."""
    keys = sorted({pk for pk in pks if pk is not None})
    # A few hundred at a time, in order (the order is kept across the statements): a
    # re-import locks every household of the roster, and one statement of 35,000
    # keys built its query text at the import's peak of memory (about 9 MB more).
    for start in range(0, len(keys), LOCK_CHUNK):
        list(Household.objects.select_for_update(no_key=True)
             .filter(pk__in=keys[start:start + LOCK_CHUNK])
             .order_by("pk").values_list("pk", flat=True))


LOCK_CHUNK = 900  # households locked a statement (below SQLite's parameter limit)


def lock_person(person_id: int) -> Person:
    """The person's row, locked after their household's (`lock_households`;
    FOR NO KEY UPDATE too: a case saved for them meanwhile is not held up),
    fresh from the database. Someone moved in between (person_move holds the
    household first, so the move is committed by then) is locked again in
    their new household."""
    while True:
        household_id = Person.objects.values_list("household_id", flat=True).get(pk=person_id)
        lock_households(household_id)
        person = Person.objects.select_for_update(no_key=True).get(pk=person_id)
        if person.household_id == household_id:
            return person


def check_not_erased(*people: Person | None) -> None:
    """An erased person (rights.erasure) stays as a tombstone row so that what
    pointed at them holds; nothing new is recorded about them. Every service
    that writes something about a person calls this (None is skipped: an
    optional person not given). The erasure itself does not: it writes the
    tombstone."""
    if any(person is not None and person.is_erased for person in people):
        raise ValidationError(_("This person's data has been erased: nothing more can be "
                                "recorded about them."))
