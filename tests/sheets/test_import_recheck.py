"""The import writes what is true when it runs, not what the stored check found:
a registry changed between the check and the import is checked again, and the
identifiers it writes read back."""

from __future__ import annotations

from typing import Any

import pytest

from jiayuan.registry.identifiers import id_number_of, phone_of
from jiayuan.registry.models import Person
from jiayuan.sheets import importing
from jiayuan.sheets.models import CheckState
from tests.sheets.test_importer import FAMILIES, LI, WANG, ZHAO, building3, csv_bytes  # noqa: F401

pytestmark = pytest.mark.django_db


def test_a_roster_changed_in_the_registry_after_its_check_is_checked_again(
        personas: dict, grid_a: Any, building3: Any) -> None:  # noqa: F811
    head = personas["head"]
    batch = importing.start(actor=head, grid=grid_a, data=csv_bytes(FAMILIES),
                            filename="roster.csv")
    batch = importing.check_request(actor=head, batch=batch)
    assert batch.check_state == CheckState.DONE
    assert batch.check_counts["new"] == len(FAMILIES)
    # Meanwhile 赵磊 is registered at another dwelling by another import.
    other = importing.start(actor=head, grid=grid_a, data=csv_bytes(
        [["赵磊", "男", "1990-01-30", ZHAO, "", "3", "9", "909", "户主", "流动"]]),
        filename="other.csv")
    assert importing.commit(actor=head, batch=other).counts["new"] == 1
    report = importing.commit(actor=head, batch=batch)
    # The stale check said four new people; the import found one already registered.
    assert report.counts["new"] == 3 and report.counts["rejected"] == 1, report.counts
    zhao = next(r for r in report.rows if r.outcome == importing.REJECTED)
    assert "3-9-909" in " ".join(zhao.reasons()), zhao.reasons()
    assert Person.objects.filter(name="赵磊").count() == 1


def test_the_imported_identifiers_read_back(personas: dict, grid_a: Any,
                                             building3: Any) -> None:  # noqa: F811
    head = personas["head"]
    importing.commit(actor=head, batch=importing.start(
        actor=head, grid=grid_a, data=csv_bytes(FAMILIES), filename="roster.csv"))
    wang, li = Person.objects.get(name="王建国"), Person.objects.get(name="李梅")
    zhao, child = Person.objects.get(name="赵磊"), Person.objects.get(name="王小宝")
    assert (id_number_of(wang), phone_of(wang)) == (WANG, "13800001111")
    assert (id_number_of(li), phone_of(li)) == (LI, "13800002222")
    assert (id_number_of(zhao), phone_of(zhao)) == (ZHAO, "13900003333")
    assert (child.id_number_enc, child.phone_enc) == ("", "")
