"""One of everything in grid A, as the journeys leave it: a household with
two cases, a referral, a dispute, a visit, a duty, a pairing, a business and
an import batch. Made directly (no pages), for tests that walk every object."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from jiayuan.care import services as care
from jiayuan.care.models import Duty
from jiayuan.desk import services as desk
from jiayuan.registry.models import Business, Household
from jiayuan.sheets.models import BatchStatus, ImportBatch


def _roster_xlsx() -> bytes:
    """A one-row roster of grid A, as a grid worker would upload it."""
    from io import BytesIO

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["楼栋", "单元", "房号", "姓名", "性别", "出生日期", "与户主关系", "手机"])
    ws.append(["3", "1", "101", "李秀兰", "女", "1965-07-01", "户主", "13600002222"])
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.fixture
def grid_a_world(personas: dict, household: Household, make_case: Any, education: Any) -> dict:
    """What the other journeys leave in grid A, made directly."""
    head = personas["head"]
    today = timezone.localdate()
    case = make_case(person=household.head, actor=personas["caseworker"])
    second = make_case(person=household.members.exclude(pk=household.head_id).first(),
                       actor=personas["caseworker"], summary="低保咨询")
    referral = desk.referral_create(
        actor=head, case=case, department=education, message="请安排孩子入学",
        version=case.version, override_reason="家长当面同意，书面同意书补签中")
    dispute = care.dispute_create(actor=head, grid=household.grid, kind="neighbours",
                                  source="walk_in", summary="楼上漏水",
                                  opened_on=today - timedelta(days=10))
    care.party_add(actor=head, dispute=dispute, role="applicant", person=household.head)
    visit, _ = care.visit_log(actor=personas["gridworker"], households=[household],
                              mode="home", purpose="routine", found="身体还好")
    duty = Duty.objects.create(household=household, grid_id=household.grid_id,
                               rule="disability", key="journey-outsider", detail={},
                               raised_on=today - timedelta(days=3), due=today + timedelta(days=11),
                               status="open", assignee=personas["gridworker"])
    pairing = care.pairing_create(actor=head, household=household, helper_kind="staff",
                                  goals="每周电话问候", helper_user=personas["gridworker"])
    business = Business.objects.create(grid=household.grid, name="朝鲜族冷面馆",
                                       kind="restaurant", owner=household.head,
                                       dwelling=household.dwelling)
    batch = ImportBatch.objects.create(
        community=household.grid.community, grid=household.grid,
        created_by=personas["gridworker"], filename="第一网格花名册.xlsx",
        file_sha256="0" * 64, status=BatchStatus.DRAFT)
    batch.file.save("roster.xlsx", ContentFile(_roster_xlsx()), save=True)
    return {"household": household, "person": household.head, "case": case,
            "second": second, "referral": referral, "dispute": dispute, "visit": visit,
            "duty": duty, "pairing": pairing, "business": business, "batch": batch}


# --- the authorization matrix's world (tests/core/test_access_matrix.py) ---------
#
# Built once per module (no fixtures: plain objects), inside audit.batch().
# Four sets of the same objects, named from the grid worker's point of view
# (the one role whose scope is a grid, not the community):
#   own        grid A, owned by / assigned to / made by the grid worker of grid A
#   colleague  grid A, owned by / made by the caseworker (a colleague)
#   grid_b     grid B of the same community (outside the grid worker's scope)
#   elsewhere  a grid of another community (outside every persona's scope)
# Each set is a dict of name -> primary key (and a few strings: tokens, refs).

MATRIX_SETS = ("own", "colleague", "grid_b", "elsewhere")


def _matrix_set(*, tag: str, grid: Any, owner: Any, head: Any, item: Any,
                department: Any, birth_year: int) -> dict[str, Any]:
    from datetime import date

    from jiayuan.desk.models import CaseDocument, Reminder
    from jiayuan.lib.idcard import make_id_number
    from jiayuan.registry import services as registry
    from tests.civic.world import civic_objects
    from tests.conftest import make_dwelling
    from tests.engage.world import engage_objects

    today = timezone.localdate()
    dwelling = make_dwelling(grid, f"9{birth_year % 10}", "1", "101")
    household = registry.household_create(
        actor=head, dwelling=dwelling, residency="resident", moved_in=date(2010, 1, 1),
        head={"name": f"矩阵{tag}", "sex": "M", "birth_date": date(birth_year, 3, 14),
              "id_number": make_id_number("222401", date(birth_year, 3, 14), 31),
              "phone": f"1381234{birth_year:04d}", "origin_code": "222400",
              "sensitive_consent": True})
    person = household.head
    circumstance = registry.circumstance_add(actor=head, household=household,
                                             kind="hardship", started=today, person=person)
    consent = registry.consent_record(actor=head, person=person, purpose="photo",
                                      recorded_on=today)
    case = desk.case_create(actor=head, item=item, channel="walk_in", summary="矩阵请求",
                            person=person, owner=owner)
    referral = desk.referral_create(actor=head, case=case, department=department,
                                    message="请处理", version=case.version,
                                    override_reason="当面同意，书面同意书补签中")
    document = CaseDocument.objects.create(
        case=case, file=ContentFile(b"%PDF-1.4\n%%EOF\n", name="doc.pdf"), name="doc.pdf",
        content_type="application/pdf", size=15, sha256="0" * 64, uploaded_by=owner)
    dispute = care.dispute_create(actor=head, grid=grid, kind="neighbours", source="walk_in",
                                  summary="楼上漏水", opened_on=today - timedelta(days=3))
    party = care.party_add(actor=head, dispute=dispute, role="applicant", person=person)
    visit, _ = care.visit_log(actor=owner, households=[household], mode="home",
                              purpose="routine", found="身体还好")
    duty = Duty.objects.create(household=household, grid_id=grid.pk, rule="disability",
                               key=f"matrix-{tag}", detail={}, raised_on=today,
                               due=today + timedelta(days=10), status="open", assignee=owner)
    pairing = care.pairing_create(actor=head, household=household, helper_kind="staff",
                                  goals="每周电话问候", helper_user=owner)
    business = Business.objects.create(grid=grid, name=f"矩阵商店{tag}", kind="restaurant",
                                       owner=person, dwelling=dwelling)
    batch = ImportBatch.objects.create(
        community=grid.community, grid=grid, created_by=owner, filename="花名册.xlsx",
        file_sha256="0" * 64, status=BatchStatus.DRAFT)
    batch.file.save("roster.xlsx", ContentFile(_roster_xlsx()), save=True)
    reminder = Reminder.objects.create(kind=Reminder._meta.get_field("kind").choices[0][0],
                                       person=person, grid=grid, due=today)
    civic = civic_objects({"tag": tag, "grid": grid, "owner": owner, "head": head,
                           "person": person, "household": household, "case": case,
                           "referral": referral, "department": department})
    civic.update(engage_objects({"tag": tag, "grid": grid, "owner": owner, "head": head,
                                 "person": person, "household": household, "case": case,
                                 "referral": referral, "department": department}))
    return {**civic, "household": household.pk, "person": person.pk,
            "circumstance": circumstance.pk,
            "consent": consent.pk, "case": case.pk, "referral": referral.pk,
            "document": document.pk, "dispute": dispute.pk, "party": party.pk,
            "visit": visit.pk, "duty": duty.pk, "pairing": pairing.pk,
            "business": business.pk, "batch": batch.pk, "reminder": reminder.pk,
            "case_ref": case.ref, "case_token": case.public_token,
            "reply_token": desk.referral_token(referral)}


def build_matrix_world() -> dict[str, Any]:
    """Personas (one per role, as tests/conftest.py makes them; the grid worker
    in grid A), the four sets above, and what is not in a grid: the catalogue
    (a category, an item, a department) and a festival date. Call it inside a
    transaction that the caller rolls back."""
    from datetime import date

    from jiayuan.care.models import FestivalDate
    from jiayuan.core import audit
    from jiayuan.core.roles import Role
    from jiayuan.desk.models import Department, ServiceCategory, ServiceItem
    from jiayuan.places.models import Community, Grid
    from tests.conftest import make_user

    with audit.batch():
        community = Community.objects.create(name="矩阵社区", code="MTX")
        grid_a = Grid.objects.create(community=community, name="第一网格", code="G1")
        grid_b = Grid.objects.create(community=community, name="第二网格", code="G2")
        far = Community.objects.create(name="别的社区", code="FAR")
        grid_far = Grid.objects.create(community=far, name="别的网格", code="F1")
        users = {role.value: make_user(f"m-{role.value}", role, community,
                                       [grid_a] if role == Role.GRIDWORKER else None)
                 for role in Role}
        far_head = make_user("m-far-head", Role.HEAD, far)
        department = Department.objects.create(code="m-education", name_zh_hans="区教育局",
                                               name_en="Education", kind="government")
        category = ServiceCategory.objects.create(code="m-education", name_zh_hans="教育",
                                                  name_en="Education")
        item = ServiceItem.objects.create(
            category=category, code="m-school-place", name_zh_hans="随迁子女入学",
            name_en="School place", department=department, response_hours=48,
            resolution_days=20, open311_hidden=False)  # published over Open311
        festival = FestivalDate.objects.create(festival="chuseok", date=date(2031, 9, 1))
        # A portal request: Open311 shows those (and only those) by reference.
        portal_case = desk.portal_create(
            item=item, summary="矩阵门户请求", details="", caller_name="门户居民",
            caller_phone="13800000000", community=community, source="matrix",
            contact_consent=True)
        head = users[Role.HEAD]
        common = {"item": item, "department": department}
        sets = {
            "own": _matrix_set(tag="own", grid=grid_a, owner=users[Role.GRIDWORKER],
                               head=head, birth_year=1961, **common),
            "colleague": _matrix_set(tag="colleague", grid=grid_a,
                                     owner=users[Role.CASEWORKER], head=head,
                                     birth_year=1962, **common),
            "grid_b": _matrix_set(tag="grid_b", grid=grid_b, owner=users[Role.CASEWORKER],
                                  head=head, birth_year=1963, **common),
            "elsewhere": _matrix_set(tag="elsewhere", grid=grid_far, owner=far_head,
                                     head=far_head, birth_year=1964, **common),
        }
    globals_ = {"item": item.pk, "category": category.pk, "department": department.pk,
                "festival": festival.pk, "item_code": item.code,
                "account": users[Role.COORDINATOR].pk,  # a colleague's second factor
                "portal_ref": portal_case.ref}
    return {"users": users, "sets": sets, "global": globals_}
