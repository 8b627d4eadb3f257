"""The activity sign-up form on the portal past the whole form's hourly
ceiling: a proof of work still lets a household through (as the desk's
request form, tests/desk/test_portal_limits.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from jiayuan.desk.models import PortalProof
from jiayuan.desk.services import Limit, pow_solve
from jiayuan.engage.activities import services as s
from jiayuan.engage.activities.models import SignUp
from tests.engage.test_activities_services import make_session
from tests.engage.test_activities_views import _form, clock  # noqa: F401 (a fixture)

FEW_BITS = 8
THROTTLED = "过去一小时内从此处提交的诉求过多"  # the portal speaks Chinese by default


@pytest.fixture
def over_the_cap(personas: Any, grid_a: Any, clock: Any, settings: Any) -> Any:  # noqa: F811
    """Two sign-up submissions this hour (three people), and the ceiling is two."""
    settings.PORTAL_MAX_PER_SOURCE_HOUR, settings.PORTAL_MAX_PER_HOUR = 2, 2
    settings.PORTAL_POW_BITS = FEW_BITS
    session = make_session(personas["head"], grid_a, clock, capacity=None)
    url = reverse("portal_activity", args=[session.activity_id])
    assert Client(REMOTE_ADDR="192.0.2.60").post(url, _form(session)).status_code == 302
    assert Client(REMOTE_ADDR="192.0.2.61").post(url, _form(
        session, names="丙", phone="13812345671")).status_code == 302
    return session, url


def test_under_the_cap_no_proof_is_asked(over_the_cap: Any, settings: Any) -> None:
    settings.PORTAL_MAX_PER_HOUR = 100
    page = Client().get(over_the_cap[1])
    assert page.context["pow"] is None


def test_over_the_cap_a_proof_lets_a_household_through_once(over_the_cap: Any) -> None:
    session, url = over_the_cap
    client = Client(REMOTE_ADDR="192.0.2.70")
    page = client.get(url)
    challenge = page.context["pow"]
    assert challenge is not None and 'name="pow_nonce"' in page.content.decode()
    refused = client.post(url, _form(session, names="丁", phone="13812345672",
                                     pow=challenge.token, pow_nonce="x"))
    assert refused.status_code == 429 and THROTTLED in refused.content.decode()
    assert SignUp.objects.count() == 3
    proof = {"pow": challenge.token, "pow_nonce": pow_solve(challenge.prefix, challenge.bits)}
    ok = client.post(url, _form(session, names="丁", phone="13812345672", **proof))
    assert ok.status_code == 302 and SignUp.objects.count() == 4
    assert PortalProof.objects.filter(challenge=challenge.prefix).exists()
    replay = Client(REMOTE_ADDR="192.0.2.71").post(
        url, _form(session, names="戊", phone="13812345673", **proof))
    assert replay.status_code == 429 and SignUp.objects.count() == 4


def test_the_service_refuses_past_the_cap_without_a_proof(over_the_cap: Any) -> None:
    session, _url = over_the_cap
    assert s.portal_signups_limit("another") is Limit.GLOBAL
    with pytest.raises(ValidationError) as refused:
        s.signup_portal(session=session, names=["己"], phone="13812345674",
                        photo_consent=False, source="another")
    assert refused.value.error_list[0].code == "throttled"
