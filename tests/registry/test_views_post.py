"""Successful POSTs through the registry pages, and forged POSTs refused.

For each form page that changes the household file: a permitted role's valid
POST changes what it should, leaves an audit entry and redirects; the same
valid POST by a role without the permission is a 403, by the grid-B worker
(the outsider) a 404, and in both cases nothing in the registry changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from jiayuan.core.models import AuditEntry
from jiayuan.core.roles import PERMISSIONS, Perm
from jiayuan.registry import services
from jiayuan.registry.models import (
    Circumstance,
    Consent,
    Household,
    HouseholdAddress,
    Membership,
    Person,
)


def client_for(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def last_entry(obj: Any) -> AuditEntry | None:
    return (AuditEntry.objects.filter(object_type=obj._meta.label_lower,
                                      object_id=str(obj.pk))
            .exclude(action="denied").order_by("-seq").first())


def registry_state() -> dict[str, list[Any]]:
    """Every row of the registry tables the pages write, and the audit entries
    that describe changes (denied attempts and logins are logged, and are not
    changes to the file)."""
    return {
        "households": list(Household.objects.order_by("pk").values()),
        "people": list(Person.objects.order_by("pk").values()),
        "memberships": list(Membership.objects.order_by("pk").values()),
        "addresses": list(HouseholdAddress.objects.order_by("pk").values()),
        "circumstances": list(Circumstance.objects.order_by("pk").values()),
        "consents": list(Consent.objects.order_by("pk").values()),
        "audit": list(AuditEntry.objects.exclude(action__in=["denied", "login"])
                      .order_by("seq").values_list("seq", flat=True)),
    }


@dataclass
class Ctx:
    household: Household
    spouse: Person
    grandchild: Person
    circumstance: Circumstance
    dwelling_a2: Any


@pytest.fixture
def ctx(household: Household, dwelling_a2: Any, head: Any) -> Ctx:
    spouse = household.members.get(name="金英姬")
    grandchild = household.members.get(name="郑民浩")
    # 郑容哲 gave his sensitive consent when the file was opened.
    circumstance = services.circumstance_add(
        actor=head, household=household, kind="serious_illness", started=date(2024, 5, 1),
        person=household.head, note="需要定期复查")
    return Ctx(household=household, spouse=spouse, grandchild=grandchild,
               circumstance=circumstance, dwelling_a2=dwelling_a2)


def person_form(person: Person, **overrides: Any) -> dict[str, Any]:
    """The person form as the edit page fills it in, with `overrides`."""
    data: dict[str, Any] = {
        "name": person.name, "sex": person.sex,
        "birth_date": person.birth_date.isoformat() if person.birth_date else "",
        "id_number": "", "phone": "", "relation": person.relation,
        "ethnicity": person.ethnicity, "languages": list(person.languages or []),
        "origin_code": person.origin_code, "permit_number": person.permit_number,
        "permit_expiry": "", "occupation": person.occupation,
    }
    data.update(overrides)
    return data


# name -> (url, valid POST data). Valid for every permitted role: the success
# tests below post exactly these.
FORMS: dict[str, tuple[Callable[[Ctx], str], Callable[[Ctx], dict[str, Any]]]] = {
    "household_edit": (
        lambda c: reverse("household_edit", kwargs={"pk": c.household.pk}),
        lambda c: {"residency": "registered", "festivals": ["chuseok", "spring_festival"],
                   "note": "户主腿脚不便，上门请先电话", "head": str(c.household.head_id)}),
    "household_move": (
        lambda c: reverse("household_move", kwargs={"pk": c.household.pk}),
        lambda c: {"dwelling": str(c.dwelling_a2.pk), "on": "2025-01-10"}),
    "household_move_out": (
        lambda c: reverse("household_move_out", kwargs={"pk": c.household.pk}),
        lambda c: {"on": "2025-06-30", "reason": "随子女迁往外地"}),
    "person_edit": (
        lambda c: reverse("person_edit", kwargs={"pk": c.spouse.pk}),
        lambda c: person_form(c.spouse, occupation="社区保洁员", permit_number="JZ-2025-001")),
    "person_leave": (
        lambda c: reverse("person_leave", kwargs={"pk": c.spouse.pk}),
        lambda c: {"on": "2025-04-01", "reason": "回老家照顾父母"}),
    "consent_add": (
        lambda c: reverse("consent_add", kwargs={"pk": c.spouse.pk}),
        lambda c: {"purpose": "photo", "department": "", "recorded_on": "2025-03-01",
                   "evidence": "签字的同意书，存档于站内", "guardian": "", "guardian_name": ""}),
    "circumstance_add": (
        lambda c: reverse("circumstance_add", kwargs={"pk": c.household.pk}),
        lambda c: {"kind": "hardship", "person": str(c.spouse.pk), "started": "2025-02-01",
                   "note": "失业后收入不稳定", "sensitive_consent": "on"}),
    "circumstance_end": (
        lambda c: reverse("circumstance_end", kwargs={"pk": c.household.pk,
                                                      "cid": c.circumstance.pk}),
        lambda c: {"ended": "2025-05-31"}),
}

# The permission each page needs (circumstances need both).
NEEDS = {
    "household_edit": {Perm.EDIT_REGISTRY},
    "household_move": {Perm.EDIT_REGISTRY},
    "household_move_out": {Perm.EDIT_REGISTRY},
    "person_edit": {Perm.EDIT_REGISTRY},
    "person_leave": {Perm.EDIT_REGISTRY},
    "consent_add": {Perm.RECORD_CONSENT},
    "circumstance_add": {Perm.EDIT_REGISTRY, Perm.VIEW_SENSITIVE},
    "circumstance_end": {Perm.EDIT_REGISTRY, Perm.VIEW_SENSITIVE},
}

PERSONA_ROLES = ("head", "caseworker", "gridworker", "mediator", "coordinator", "auditor",
                 "admin")


def refused_roles(name: str) -> list[str]:
    return [r for r in PERSONA_ROLES if not NEEDS[name] <= PERMISSIONS[r]]


def allowed_roles(name: str) -> list[str]:
    return [r for r in PERSONA_ROLES if NEEDS[name] <= PERMISSIONS[r]]


def post(user: Any, name: str, c: Ctx) -> Any:
    url, data = FORMS[name]
    return client_for(user).post(url(c), data(c))


# --- what the table of permissions says --------------------------------------

def test_the_refusal_matrix_covers_the_roles_the_permission_table_excludes():
    # If the table changes, the matrix below changes with it; make sure it is
    # not silently empty and that the working roles are on the allowed side.
    for name in FORMS:
        assert set(allowed_roles(name)) == {"head", "caseworker", "gridworker"}, name
        assert set(refused_roles(name)) == {"mediator", "coordinator", "auditor", "admin"}, name


# --- successful posts ---------------------------------------------------------

def test_household_edit_saves_the_household_and_audits_the_diff(ctx, personas):
    h = ctx.household
    response = post(personas["caseworker"], "household_edit", ctx)
    assert response.status_code == 302
    assert response["Location"] == reverse("household_detail", kwargs={"pk": h.pk})
    h.refresh_from_db()
    assert h.residency == "registered" and h.note == "户主腿脚不便，上门请先电话"
    assert h.festivals == ["chuseok", "spring_festival"]
    entry = last_entry(h)
    assert entry.action == "update" and entry.actor_username == "caseworker"
    assert entry.changes["residency"] == ["resident", "registered"]
    assert "festivals" not in entry.changes  # unchanged


def test_household_edit_can_change_the_head(ctx, personas):
    h = ctx.household
    data = {**FORMS["household_edit"][1](ctx), "head": str(ctx.spouse.pk)}
    response = client_for(personas["gridworker"]).post(FORMS["household_edit"][0](ctx), data)
    assert response.status_code == 302
    h.refresh_from_db()
    ctx.spouse.refresh_from_db()
    assert h.head_id == ctx.spouse.pk and ctx.spouse.relation == "head"
    assert Person.objects.get(name="鄭容哲").relation != "head"
    assert last_entry(h).changes["head_id"] == [h.members.get(name="鄭容哲").pk, ctx.spouse.pk]


def test_household_move_changes_the_dwelling_and_keeps_the_old_address(ctx, personas,
                                                                       dwelling_a):
    h = ctx.household
    response = post(personas["gridworker"], "household_move", ctx)
    assert response.status_code == 302
    assert response["Location"] == reverse("household_detail", kwargs={"pk": h.pk})
    h.refresh_from_db()
    assert h.dwelling_id == ctx.dwelling_a2.pk
    history = list(h.addresses.order_by("moved_in").values_list("dwelling_id", "moved_in",
                                                                "moved_out"))
    assert history == [(dwelling_a.pk, date(2005, 6, 1), date(2025, 1, 10)),
                       (ctx.dwelling_a2.pk, date(2025, 1, 10), None)]
    entry = last_entry(h)
    assert entry.action == "move" and entry.actor_username == "gridworker"
    assert entry.changes == {"dwelling_id": [dwelling_a.pk, ctx.dwelling_a2.pk],
                             "on": "2025-01-10"}


def test_household_move_out_closes_the_file_for_every_member(ctx, personas):
    h = ctx.household
    response = post(personas["head"], "household_move_out", ctx)
    assert response.status_code == 302
    assert response["Location"] == reverse("household_detail", kwargs={"pk": h.pk})
    h.refresh_from_db()
    assert h.moved_out == date(2025, 6, 30)
    assert set(h.members.values_list("left_on", flat=True)) == {date(2025, 6, 30)}
    assert set(Membership.objects.filter(household=h).values_list("left", "reason")) == {
        (date(2025, 6, 30), "随子女迁往外地")}
    assert not h.addresses.filter(moved_out__isnull=True).exists()
    entry = last_entry(h)
    assert entry.action == "move" and entry.actor_username == "head"
    assert entry.changes == {"moved_out": "2025-06-30", "reason": "随子女迁往外地"}


def test_person_edit_saves_the_person_and_audits_the_diff(ctx, personas):
    spouse = ctx.spouse
    phone_hash = spouse.phone_hash
    response = post(personas["gridworker"], "person_edit", ctx)
    assert response.status_code == 302
    assert response["Location"] == reverse("person_detail", kwargs={"pk": spouse.pk})
    spouse.refresh_from_db()
    assert spouse.occupation == "社区保洁员" and spouse.permit_number == "JZ-2025-001"
    assert spouse.phone_hash == phone_hash  # an empty phone field keeps the number
    entry = last_entry(spouse)
    assert entry.action == "update" and entry.actor_username == "gridworker"
    assert entry.changes["occupation"] == ["", "社区保洁员"]


def test_person_edit_records_ethnicity_only_under_consent(ctx, personas):
    spouse = ctx.spouse
    url, data = FORMS["person_edit"]
    client = client_for(personas["caseworker"])
    before = registry_state()
    refused = client.post(url(ctx), data(ctx) | {"ethnicity": "10"})
    assert refused.status_code == 200
    assert 'id="id_ethnicity_error"' in refused.content.decode()
    assert registry_state() == before

    response = client.post(url(ctx), data(ctx) | {"ethnicity": "10", "sensitive_consent": "on"})
    assert response.status_code == 302
    spouse.refresh_from_db()
    assert spouse.ethnicity == "10"
    assert Consent.objects.filter(person=spouse, purpose="sensitive", status="given").exists()
    entry = last_entry(spouse)
    # The ethnic group is sensitive: the log says it changed, never what to.
    assert entry.changes["ethnicity"] == "(changed)"


def test_person_leave_records_the_departure(ctx, personas):
    spouse = ctx.spouse
    response = post(personas["caseworker"], "person_leave", ctx)
    assert response.status_code == 302
    assert response["Location"] == reverse("household_detail",
                                           kwargs={"pk": ctx.household.pk})
    spouse.refresh_from_db()
    assert spouse.left_on == date(2025, 4, 1)
    assert list(Membership.objects.filter(person=spouse).values_list("left", "reason")) == [
        (date(2025, 4, 1), "回老家照顾父母")]
    ctx.household.refresh_from_db()
    assert ctx.household.moved_out is None  # the household stays
    entry = last_entry(spouse)
    assert entry.action == "move" and entry.actor_username == "caseworker"
    assert entry.changes == {"left_on": "2025-04-01", "reason": "回老家照顾父母"}


def test_consent_add_records_the_consent(ctx, personas):
    spouse = ctx.spouse
    response = post(personas["gridworker"], "consent_add", ctx)
    assert response.status_code == 302
    assert response["Location"] == reverse("person_detail", kwargs={"pk": spouse.pk})
    consent = Consent.objects.get(person=spouse, purpose="photo")
    assert (consent.status, consent.recorded_on, consent.recorded_by_id, consent.evidence) == (
        "given", date(2025, 3, 1), personas["gridworker"].pk, "签字的同意书，存档于站内")
    entry = last_entry(consent)
    assert entry.action == "create" and entry.actor_username == "gridworker"
    assert entry.changes["purpose"] == "photo"
    assert entry.changes["person_id"] == spouse.pk


def test_consent_add_for_a_child_needs_and_records_a_guardian(ctx, personas):
    child = ctx.grandchild
    url = reverse("consent_add", kwargs={"pk": child.pk})
    data = {"purpose": "photo", "department": "", "recorded_on": "2025-03-01",
            "evidence": "", "guardian": "", "guardian_name": ""}
    client = client_for(personas["head"])
    refused = client.post(url, data)
    assert refused.status_code == 200 and 'id="id_guardian_error"' in refused.content.decode()
    assert not Consent.objects.filter(person=child).exists()
    response = client.post(url, data | {"guardian": str(ctx.household.head_id)})
    assert response.status_code == 302
    consent = Consent.objects.get(person=child)
    assert consent.guardian_id == ctx.household.head_id
    assert last_entry(consent).action == "create"


def test_circumstance_add_records_it_with_the_consent_it_needs(ctx, personas):
    spouse = ctx.spouse
    response = post(personas["caseworker"], "circumstance_add", ctx)
    assert response.status_code == 302
    assert response["Location"] == reverse("household_detail",
                                           kwargs={"pk": ctx.household.pk})
    item = Circumstance.objects.get(household=ctx.household, person=spouse)
    assert (item.kind, item.started, item.ended, item.note) == (
        "hardship", date(2025, 2, 1), None, "失业后收入不稳定")
    # She had not consented before: ticking the box records her consent.
    consent = Consent.objects.get(person=spouse, purpose="sensitive")
    assert consent.recorded_by_id == personas["caseworker"].pk
    entry = last_entry(item)
    assert entry.action == "create" and entry.actor_username == "caseworker"
    # Kind and note are sensitive: never in clear in the log.
    assert entry.changes["kind"] == entry.changes["note"] == "(changed)"
    assert "失业" not in str(entry.changes)


def test_circumstance_add_without_consent_is_refused_and_saves_nothing(ctx, personas):
    url, data = FORMS["circumstance_add"]
    payload = data(ctx)
    del payload["sensitive_consent"]
    before = registry_state()
    response = client_for(personas["caseworker"]).post(url(ctx), payload)
    assert response.status_code == 200
    assert 'id="id_sensitive_consent_error"' in response.content.decode()
    assert registry_state() == before


def test_circumstance_end_sets_the_end_date(ctx, personas):
    item = ctx.circumstance
    response = post(personas["gridworker"], "circumstance_end", ctx)
    assert response.status_code == 302
    assert response["Location"] == reverse("household_detail",
                                           kwargs={"pk": ctx.household.pk})
    item.refresh_from_db()
    assert item.ended == date(2025, 5, 31)
    entry = last_entry(item)
    assert entry.action == "update" and entry.actor_username == "gridworker"
    assert entry.changes == {"ended": "2025-05-31"}


def test_circumstance_end_before_its_start_changes_nothing(ctx, personas):
    url = FORMS["circumstance_end"][0](ctx)
    before = registry_state()
    response = client_for(personas["head"]).post(url, {"ended": "2024-01-01"})
    assert response.status_code == 302  # back to the file, with the message
    assert registry_state() == before


# --- refused posts --------------------------------------------------------------

REFUSALS = [(name, role, 403) for name in FORMS for role in refused_roles(name)]
REFUSALS += [(name, "outsider", 404) for name in FORMS]


@pytest.mark.parametrize("name,role,status", REFUSALS,
                         ids=[f"{n}-{r}" for n, r, _s in REFUSALS])
def test_a_valid_post_by_a_role_without_the_permission_changes_nothing(ctx, personas, name,
                                                                       role, status):
    user = personas[role]
    before = registry_state()
    response = post(user, name, ctx)
    assert response.status_code == status, f"{role} got {response.status_code} on {name}"
    assert registry_state() == before
    # The attempt itself is on record.
    assert AuditEntry.objects.filter(action="denied", actor_username=role).exists()
