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
