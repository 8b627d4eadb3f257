"""core.access.get_for: the one access call — permission first (403), then scope (404)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from jiayuan.core.access import get_for
from jiayuan.core.models import AuditAction, AuditEntry
from jiayuan.core.roles import Perm
from jiayuan.registry.models import Household
from jiayuan.registry.selectors import households_for

pytestmark = pytest.mark.django_db


def test_every_permission_of_several_is_needed(personas: dict[str, Any],
                                               household: Household) -> None:
    coordinator = personas["coordinator"]  # views the registry, does not work cases
    assert coordinator.has(Perm.VIEW_REGISTRY) and not coordinator.has(Perm.WORK_CASES)
    qs = households_for(coordinator)
    assert get_for(coordinator, Perm.VIEW_REGISTRY, qs, household.pk) == household
    with pytest.raises(PermissionDenied):
        get_for(coordinator, (Perm.VIEW_REGISTRY, Perm.WORK_CASES), qs, household.pk)
    assert AuditEntry.objects.filter(action=AuditAction.DENIED,
                                     object_id=str(Perm.WORK_CASES)).exists()


def test_permission_comes_before_scope(personas: dict[str, Any], household: Household) -> None:
    outsider = personas["outsider"]  # a grid worker of the other grid
    with pytest.raises(Http404):
        get_for(outsider, Perm.VIEW_REGISTRY, households_for(outsider), household.pk)
    with pytest.raises(PermissionDenied):  # no permission: 403 even out of scope
        get_for(outsider, Perm.MANAGE_STAFF, households_for(outsider), household.pk)
