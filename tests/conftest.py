"""Shared fixtures: two grids, personas for every role and an outsider.

The outsider is a grid worker of grid B; every resident fixture lives in grid A,
so each view can be checked for access as well as behaviour.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from jiayuan.core.models import User
from jiayuan.core.roles import Role
from jiayuan.lib.idcard import make_id_number
from jiayuan.places.models import Building, Community, Dwelling, Grid
from jiayuan.registry import services


@pytest.fixture
def community(db: Any) -> Community:
    return Community.objects.create(name="测试社区", code="TST")


@pytest.fixture
def grid_a(community: Community) -> Grid:
    return Grid.objects.create(community=community, name="第一网格", code="G1")


@pytest.fixture
def grid_b(community: Community) -> Grid:
    return Grid.objects.create(community=community, name="第二网格", code="G2")


def make_dwelling(grid: Grid, building: str, unit: str, room: str) -> Dwelling:
    b, _ = Building.objects.get_or_create(grid=grid, number=building)
    d = Dwelling(building=b, unit=unit, room=room)
    d.save()
    return d


@pytest.fixture
def dwelling_a(grid_a: Grid) -> Dwelling:
    return make_dwelling(grid_a, "3", "2", "302")


@pytest.fixture
def dwelling_a2(grid_a: Grid) -> Dwelling:
    return make_dwelling(grid_a, "3", "1", "101")


@pytest.fixture
def dwelling_b(grid_b: Grid) -> Dwelling:
    return make_dwelling(grid_b, "7", "1", "502")


def make_user(username: str, role: str, community: Community,
              grids: list[Grid] | None = None) -> User:
    user = User.objects.create_user(username=username, password="pw-for-tests-only", role=role,
                                    community=community)
    if grids:
        user.grids.set(grids)
    return user


@pytest.fixture
def personas(community: Community, grid_a: Grid, grid_b: Grid) -> dict[str, User]:
    """One account per role (community-wide), a grid worker of grid A and an
    outsider: a grid worker of grid B."""
    return {
        "head": make_user("head", Role.HEAD, community),
        "caseworker": make_user("caseworker", Role.CASEWORKER, community),
        "gridworker": make_user("gridworker", Role.GRIDWORKER, community, [grid_a]),
        "mediator": make_user("mediator", Role.MEDIATOR, community),
        "coordinator": make_user("coordinator", Role.COORDINATOR, community),
        "auditor": make_user("auditor", Role.AUDITOR, community),
        "admin": make_user("admin", Role.ADMIN, community),
        "outsider": make_user("outsider", Role.GRIDWORKER, community, [grid_b]),
    }


@pytest.fixture
def head(personas: dict[str, User]) -> User:
    return personas["head"]


ZHENG_ID = make_id_number("222401", date(1958, 3, 14), 31)  # odd sequence: male


@pytest.fixture
def household(head: User, dwelling_a: Dwelling) -> Any:
    """郑容哲's household in grid A: head, wife and a grandson under 14."""
    h = services.household_create(
        actor=head, dwelling=dwelling_a, residency="resident", moved_in=date(2005, 6, 1),
        festivals=["chuseok", "spring_festival"],
        head={"name": "鄭容哲", "sex": "M", "birth_date": date(1958, 3, 14),
              "id_number": ZHENG_ID, "phone": "13812345678", "origin_code": "222400",
              "ethnicity": "10", "languages": ["ko", "zh"], "sensitive_consent": True},
    )
    services.person_create(actor=head, household=h, name="金英姬", sex="F",
                           birth_date=date(1960, 5, 2), relation="spouse",
                           phone="13955551234", id_number="", origin_code="222400")
    services.person_create(actor=head, household=h, name="郑民浩", sex="M",
                           birth_date=date(2018, 9, 9), relation="grandchild",
                           id_number="", phone="")
    return h


@pytest.fixture
def household_b(head: User, dwelling_b: Dwelling) -> Any:
    """A household in grid B (out of scope for the grid-A worker)."""
    return services.household_create(
        actor=head, dwelling=dwelling_b, residency="floating", moved_in=date(2024, 2, 1),
        head={"name": "马忠华", "sex": "M", "birth_date": date(1980, 1, 5),
              "phone": "13700001111", "id_number": "", "origin_code": "622900"},
    )



# The desk's fixtures (catalogue, cases) are used by the desk tests and the browser walk.
from tests.desk.fixtures import *  # noqa: E402, F403
