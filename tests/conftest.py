"""Shared fixtures: two grids, personas for every role and an outsider.

The outsider is a grid worker of grid B; every resident fixture lives in grid A,
so each view can be checked for access as well as behaviour.

The clock: with JIAYUAN_TEST_TODAY=YYYY-MM-DD in the environment the whole
session runs on that day (time-machine, ticking from 10:00 station time; the
live server's thread too, time-machine patches the process). `make test-clock`
runs the suite so on a leap day and on a year end (docs/development.md).
"""

from __future__ import annotations

import os
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.utils import translation

from jiayuan.core.models import User
from jiayuan.core.roles import Role
from jiayuan.lib.idcard import make_id_number
from jiayuan.places.models import Building, Community, Dwelling, Grid
from jiayuan.registry import services

# --- the session's clock ---------------------------------------------------------

TEST_TODAY_ENV = "JIAYUAN_TEST_TODAY"
# Mid-morning: 10:00 in Shanghai is 02:00 UTC of the same day, so the station's
# date and UTC's agree, and the station is open (working-hours rules see an
# ordinary moment).
TEST_TODAY_TIME = time(10, 0)
_session_travel: Any = None


def moved_today() -> date | None:
    """The day JIAYUAN_TEST_TODAY moves the session to, or None (the real clock)."""
    value = os.environ.get(TEST_TODAY_ENV, "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise pytest.UsageError(f"{TEST_TODAY_ENV}={value!r} is not a date: "
                                "write it as YYYY-MM-DD, e.g. 2028-02-29.") from None


def pytest_configure(config: pytest.Config) -> None:
    global _session_travel
    day = moved_today()
    if day is None or _session_travel is not None:
        return
    _session_travel = time_machine.travel(station_moment(day), tick=True)
    _session_travel.start()


def pytest_unconfigure(config: pytest.Config) -> None:
    global _session_travel
    if _session_travel is not None:
        _session_travel.stop()
        _session_travel = None


#: The day the demo tests load the demo for (`manage.py demo --today`) and
#: travel to: they see the same data whatever the real date. A Sunday, the day
#: the demo once held no acknowledged case.
DEMO_TODAY = date(2026, 12, 6)


def station_moment(day: date, at: time = TEST_TODAY_TIME) -> datetime:
    """`day` at `at`, station time (settings.TIME_ZONE), aware."""
    return datetime.combine(day, at, tzinfo=ZoneInfo(settings.TIME_ZONE))


@pytest.fixture(autouse=True)
def _default_language() -> Any:
    """Every test starts and ends in the site's default language: a request
    through the test client leaves the language its middleware chose active
    in the thread, and the next test on that worker would read it."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def demo_today() -> Any:
    """The clock at DEMO_TODAY 10:00 station time, ticking (demo tests)."""
    with time_machine.travel(station_moment(DEMO_TODAY), tick=True):
        yield DEMO_TODAY


def _clock_line() -> str:
    day = moved_today()
    if day is None:
        return "clock: real (set JIAYUAN_TEST_TODAY=YYYY-MM-DD to move it)"
    return f"clock: moved to {day.isoformat()} {TEST_TODAY_TIME:%H:%M} {settings.TIME_ZONE}"


def pytest_report_header(config: pytest.Config) -> str:
    return _clock_line()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if moved_today() is not None:  # -q hides the header: say it at the end too
        terminalreporter.write_line(_clock_line())


# --- the second factor ------------------------------------------------------------

def pass_second_factor(client: Any, user: User) -> None:
    """Make `client`'s session one that passed the second factor and confirmed
    the person recently, as someone who logged in with their code would have
    (jiayuan.core.twofactor, reauth). A confirmed authenticator is made for an
    account that needs one and has none."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from jiayuan.core import reauth, twofactor

    session = client.session
    if twofactor.required(user) or twofactor.has_device(user):
        device = twofactor.authenticator(user) or TOTPDevice.objects.create(
            user=user, name="authenticator", confirmed=True)
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    reauth.mark_confirmed(_SessionRequest(session))  # type: ignore[arg-type]
    session.save()


class _SessionRequest:
    def __init__(self, session: Any) -> None:
        self.session = session


@pytest.fixture(autouse=True, scope="session")
def _force_login_passes_second_factor() -> Any:
    """`client.force_login(user)` stands for a person who logged in, so it also
    gives the second factor and a fresh confirmation. The tests of those
    controls log in through the pages (tests/core/test_twofactor*.py), or use
    `force_login_password_only`. Session-wide, so that module-wide worlds
    (tests/core/test_access_matrix.py) log in the same way."""
    from django.test import Client

    original = Client.force_login

    def force_login(self: Client, user: Any, backend: str | None = None) -> None:
        original(self, user, backend)
        pass_second_factor(self, user)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Client, "force_login", force_login)
        patch.setattr(Client, "force_login_password_only", original, raising=False)
        yield


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
