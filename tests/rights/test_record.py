"""A person's whole record (jiayuan.rights.record): every table, access, audit."""

from __future__ import annotations

import json
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from django.utils import timezone, translation

from jiayuan.core.models import AuditAction, AuditEntry
from jiayuan.desk.models import Reminder
from jiayuan.registry import services as registry
from jiayuan.registry.models import Household, Person
from jiayuan.rights.record import RELATIONS, open_record, person_record
from jiayuan.rights.record_fields import LEFT_OUT
from jiayuan.sheets.models import ImportChange
from tests.civic.world import civic_objects
from tests.conftest import ZHENG_ID
from tests.engage.world import engage_objects
from tests.world import grid_a_world  # noqa: F401 (fixture)

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts" / "rights"


@pytest.fixture
def world(grid_a_world: dict[str, Any], personas: dict[str, Any]) -> dict[str, Any]:  # noqa: F811
    """郑容哲 with a row in every table the record covers."""
    head = personas["head"]
    h: Household = grid_a_world["household"]
    p: Person = grid_a_world["person"]
    today = timezone.localdate()
    registry.circumstance_add(actor=head, household=h, kind="hardship", started=today,
                              person=p)
    registry.circumstance_add(actor=head, household=h, kind="disability", started=today,
                              person=h.members.get(name="金英姬"), sensitive_consent=True)
    registry.consent_record(actor=head, person=p, purpose="photo", recorded_on=today)
    grandson = h.members.get(name="郑民浩")
    registry.consent_record(actor=head, person=grandson, purpose="photo", recorded_on=today,
                            guardian=p)
    registry.person_reveal(actor=personas["caseworker"], person=p, field="id_number", confirmed=True)
    Reminder.objects.create(kind=Reminder._meta.get_field("kind").choices[0][0], person=p,
                            grid=h.grid, due=today + timedelta(days=5))
    ImportChange.objects.create(batch=grid_a_world["batch"], person=p,
                                before={"occupation": "退休"})
    ctx = {"tag": "rec", "grid": h.grid, "owner": personas["gridworker"], "head": head,
           "person": p, "household": h, "case": grid_a_world["case"],
           "referral": grid_a_world["referral"], "department": None}
    civic_objects(ctx)
    engage_objects(ctx)
    return grid_a_world


def test_every_relation_to_a_person_or_household_is_listed() -> None:
    """A new model pointing at Person or Household fails here until the record
    covers it (or says why not) in RELATIONS."""
    found = set()
    for model in (Person, Household):
        for rel in model._meta.get_fields(include_hidden=True):
            if rel.auto_created and not rel.concrete:
                found.add(f"{rel.related_model._meta.label}.{rel.field.name}")
    assert sorted(found - set(RELATIONS)) == []
    assert sorted(set(RELATIONS) - found) == []
    for name, (key, reason) in RELATIONS.items():
        assert key or reason, f"{name}: excluded without a reason"


def test_it_has_a_row_from_every_covered_table(world: dict[str, Any], personas: dict) -> None:
    record = person_record(personas["caseworker"], world["person"])
    covered = {key for key, _reason in RELATIONS.values() if key}
    empty = [key for key in sorted(covered | {"person", "disclosures"})
             if not record["sections"][key]["rows"]]
    assert empty == []
    cases = record["sections"]["cases"]["rows"]
    assert world["case"].ref in [c["ref"] for c in cases]
    first = next(c for c in cases if c["ref"] == world["case"].ref)
    assert first["events"]["rows"] and first["referrals"]["rows"]
    # The household's requests not tied to a member are its; another member's are not.
    assert world["second"].ref not in [c["ref"] for c in cases]
    # The household has three members: what the visit found may be another's.
    visit = record["sections"]["visits"]["rows"][0]
    assert visit["found"] == str(LEFT_OUT)
    assert visit["created_by"] == "gridworker"
    # Labels and coded values in the reader's language, never a field's name.
    assert record["sections"]["visits"]["labels"]["purpose"] == "走访事由"
    what = record["sections"]["imports"]["rows"][0]["what"]
    assert "职业" in what and "occupation" not in what
    # Another member's circumstance is theirs, not in this record.
    assert [c["person"] for c in record["sections"]["circumstances"]["rows"]] == ["鄭容哲"]
    assert record["sections"]["disputes"]["rows"][0]["ref"] == world["dispute"].ref


def test_it_shows_identifiers_whole_and_choices_as_labels(world: dict, personas: dict) -> None:
    person = record_person(person_record(personas["caseworker"], world["person"]))
    assert person["id_number"] == ZHENG_ID
    assert person["phone"] == "13812345678"
    assert person["sex"] == "男"
    assert person["birth_date"] == "1958-03-14"


def record_person(record: dict[str, Any]) -> dict[str, Any]:
    return record["sections"]["person"]["rows"][0]


def test_it_lists_the_disclosures_about_the_person(world: dict, personas: dict) -> None:
    rows = person_record(personas["head"], world["person"])["sections"]["disclosures"]["rows"]
    reveals = [r for r in rows if r["actor"] == "caseworker"
               and "field=id_number" in (r["what"] or {}).get("code", "")]
    assert len(reveals) == 1


def test_roles_that_may_not_see_all_of_it_are_refused(world: dict, personas: dict) -> None:
    for role in ("gridworker", "mediator", "auditor", "coordinator", "admin"):
        with pytest.raises(PermissionDenied):
            open_record(personas[role], world["person"].pk, fmt="json")


def test_out_of_scope_is_404_and_audited(household_b: Household, personas: dict,
                                         grid_a: Any) -> None:
    from tests.conftest import make_user

    other = make_user("cw-a", "caseworker", personas["head"].community, [grid_a])
    before = AuditEntry.objects.filter(action=AuditAction.DENIED).count()
    with pytest.raises(Http404):
        open_record(other, household_b.head_id, fmt="pdf")
    assert AuditEntry.objects.filter(action=AuditAction.DENIED).count() == before + 1
    assert not AuditEntry.objects.filter(object_id=str(household_b.head_id),
                                         action=AuditAction.PRINT).exists()


def test_the_json_download_is_audited_once(client: Any, world: dict, personas: dict) -> None:
    client.force_login(personas["caseworker"])
    pk = world["person"].pk
    last = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first()
    response = client.get(reverse("rights:person_record_json", args=[pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert "no-store" in response["Cache-Control"]
    data = json.loads(response.content)
    assert data["sections"]["person"]["rows"][0]["id_number"] == ZHENG_ID
    entries = list(AuditEntry.objects.filter(seq__gt=last).order_by("seq"))
    assert [(e.action, e.object_id, e.changes["format"]) for e in entries] == [
        (AuditAction.EXPORT, str(pk), "json")]


def test_the_pdf_holds_the_case_and_the_visit(client: Any, world: dict,
                                              personas: dict) -> None:
    client.force_login(personas["head"])
    response = client.get(reverse("rights:person_record_pdf", args=[world["person"].pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    path = ARTIFACTS / "person-record.pdf"  # for people to look at (git-ignored)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(response.content)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert world["case"].ref in text
    assert "身体还好" not in text  # the visit's finding: the household has three members
    assert "走访" in text  # the visits' heading, in Chinese
    assert ZHENG_ID in text
    assert AuditEntry.objects.filter(action=AuditAction.PRINT, object_type="registry.person",
                                     object_id=str(world["person"].pk)).count() == 1


def test_a_forged_id_is_404(client: Any, personas: dict, db: Any) -> None:
    client.force_login(personas["caseworker"])
    url = reverse("rights:person_record_json", args=[2**31 - 1])
    assert client.get(url).status_code == 404



def test_the_person_page_offers_the_downloads_to_who_may(client: Any, world: dict,
                                                        personas: dict) -> None:
    url = reverse("person_detail", args=[world["person"].pk])
    json_url = reverse("rights:person_record_json", args=[world["person"].pk])
    client.force_login(personas["caseworker"])
    assert json_url in client.get(url).content.decode()
    client.force_login(personas["gridworker"])
    assert json_url not in client.get(url).content.decode()


def test_it_is_in_the_readers_language(world: dict, personas: dict) -> None:
    with translation.override("en"):
        record = person_record(personas["caseworker"], world["person"])
    assert record["sections"]["visits"]["title"] == "Visits"
    assert record_person(record)["sex"] == "Male"
    with translation.override("zh-hant"):
        record = person_record(personas["caseworker"], world["person"])
    assert record["title"] == "鄭容哲的個人資訊檔案"


def test_the_downloads_ask_to_confirm_it_is_you_first(personas, grid_a_world):  # noqa: F811
    """Like revealing an ID number: a session whose last confirmation is stale
    is sent to "confirm it is you" and back to the person page; nothing is
    downloaded or audited before."""
    from django.test import Client

    from jiayuan.core import reauth

    person = grid_a_world["person"]
    client = Client()
    client.force_login(personas["caseworker"])
    session = client.session
    session.pop(reauth.CONFIRMED, None)
    session.save()
    before = AuditEntry.objects.count()
    for name in ("rights:person_record_json", "rights:person_record_pdf"):
        response = client.get(reverse(name, args=[person.pk]))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("reauth_confirm"))
        assert response["Location"].endswith(f"next=%2Fpeople%2F{person.pk}%2F")
    assert AuditEntry.objects.count() == before
