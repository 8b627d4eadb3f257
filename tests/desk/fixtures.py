"""Desk fixtures: a small catalogue (one department, one partner, three
services) and a case factory. Personas and households come from tests/conftest.py."""

from __future__ import annotations

from typing import Any

import pytest

from jiayuan.desk import services as desk_services
from jiayuan.desk.models import Case, Department, ServiceCategory, ServiceItem


@pytest.fixture
def education(db: Any) -> Department:
    return Department.objects.create(code="education", name_zh_hans="区教育局",
                                     name_zh_hant="區教育局", name_en="District Education Bureau",
                                     kind="government", phone="0512-55550001")


@pytest.fixture
def legal_partner(db: Any) -> Department:
    return Department.objects.create(code="law-clinic", name_zh_hans="社区法律诊所",
                                     name_en="Community law clinic", kind="partner")


@pytest.fixture
def category(db: Any) -> ServiceCategory:
    return ServiceCategory.objects.create(code="education", name_zh_hans="教育",
                                          name_en="Education")


@pytest.fixture
def school_item(category: ServiceCategory, education: Department) -> ServiceItem:
    """48 h to first response, 20 days to resolve."""
    return ServiceItem.objects.create(
        category=category, code="school-place", name_zh_hans="随迁子女入学",
        name_zh_hant="隨遷子女入學", name_en="School place for a migrant child",
        documents_zh_hans="户口簿\n居住证", documents_en="Household register\nResidence permit",
        department=education, response_hours=48, resolution_days=20)


@pytest.fixture
def onsite_item(category: ServiceCategory) -> ServiceItem:
    """A service that needs someone on site (三必到)."""
    return ServiceItem.objects.create(
        category=category, code="home-repair", name_zh_hans="困难家庭上门维修",
        name_en="Home repair for a family in hardship", response_hours=24,
        resolution_days=10, onsite_required=True)


@pytest.fixture
def green_item(category: ServiceCategory) -> ServiceItem:
    return ServiceItem.objects.create(
        category=category, code="emergency-aid", name_zh_hans="临时救助",
        name_en="Emergency aid", response_hours=24, resolution_days=7, green_channel=True)


@pytest.fixture
def make_case(personas: dict[str, Any], school_item: ServiceItem):
    """make_case(person=..., actor=..., **fields) -> Case (a walk-in request)."""

    def make(*, actor: Any = None, person: Any = None, item: ServiceItem | None = None,
             **fields: Any) -> Case:
        actor = actor or personas["caseworker"]
        fields.setdefault("channel", "walk_in")
        fields.setdefault("summary", "孩子需要入学")
        if person is None:
            fields.setdefault("caller_name", "王先生")
            fields.setdefault("caller_phone", "13912345678")
        return desk_services.case_create(actor=actor, person=person, item=item or school_item,
                                    **fields)

    return make


@pytest.fixture
def case(make_case: Any, household: Any) -> Case:
    """A walk-in request from 郑容哲 (grid A), owned by the caseworker."""
    return make_case(person=household.head, owner=None)


__all__ = ["education", "legal_partner", "category", "school_item", "onsite_item",
           "green_item", "make_case", "case"]
