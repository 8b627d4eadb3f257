"""The suggestion form on the portal past the whole form's hourly ceiling: a
proof of work still lets a person through (as the desk's request form,
tests/desk/test_portal_limits.py); the per-address limit has no way round."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from jiayuan.civic.models import Suggestion
from jiayuan.civic.suggestions import services
from jiayuan.desk.models import PortalProof
from jiayuan.desk.services import Limit, pow_solve
from tests.civic.test_suggestions_portal import data, visitor

FEW_BITS = 8
THROTTLED = "Too many requests have been sent from here"
URL = "portal_idea_new"


@pytest.fixture
def over_the_cap(community: Any, settings: Any) -> None:
    """Two suggestions sent this hour, and the form's ceiling is two."""
    settings.PORTAL_MAX_PER_SOURCE_HOUR, settings.PORTAL_MAX_PER_HOUR = 2, 2
    settings.PORTAL_POW_BITS = FEW_BITS
    for n in range(2):
        assert visitor(ip=f"192.0.2.{60 + n}").post(reverse(URL), data()).status_code == 302


def challenge_of(client: Any) -> Any:
    page = client.get(reverse(URL))
    assert page.status_code == 200
    return page.context["pow"]


def test_under_the_cap_the_form_asks_for_no_proof(community: Any) -> None:
    page = visitor().get(reverse(URL))
    assert page.context["pow"] is None and "portal-pow.js" not in page.content.decode()


def test_over_the_cap_the_form_carries_a_challenge(over_the_cap: None) -> None:
    html = visitor().get(reverse(URL)).content.decode()
    assert 'name="pow"' in html and f'data-pow-bits="{FEW_BITS}"' in html
    assert '<script src="/static/js/portal-pow.js" defer></script>' in html


def test_without_a_proof_it_is_refused_with_the_message(over_the_cap: None) -> None:
    client = visitor()
    challenge = challenge_of(client)
    response = client.post(reverse(URL), data(pow=challenge.token, pow_nonce="1"))
    assert response.status_code == 429 and THROTTLED in response.content.decode()
    assert Suggestion.objects.count() == 2
    assert response.context["pow"].token != challenge.token


def test_with_a_valid_proof_it_is_accepted_once(over_the_cap: None) -> None:
    client = visitor()
    challenge = challenge_of(client)
    proof = {"pow": challenge.token, "pow_nonce": pow_solve(challenge.prefix, challenge.bits)}
    assert client.post(reverse(URL), data(**proof)).status_code == 302
    assert Suggestion.objects.count() == 3
    assert PortalProof.objects.filter(challenge=challenge.prefix).count() == 1
    again = visitor(ip="192.0.2.99").post(reverse(URL), data(**proof))
    assert again.status_code == 429 and Suggestion.objects.count() == 3


def test_the_service_refuses_past_the_cap_without_a_proof(over_the_cap: None,
                                                          community: Any) -> None:
    assert services.portal_ideas_limit("another") is Limit.GLOBAL
    with pytest.raises(ValidationError) as refused:
        services.suggestion_portal_submit(community=community, title="t", body="b",
                                          category="lighting", source="another")
    assert refused.value.error_list[0].code == "throttled"


def test_a_proof_does_not_lift_the_per_address_limit(community: Any, settings: Any) -> None:
    settings.PORTAL_MAX_PER_SOURCE_HOUR, settings.PORTAL_MAX_PER_HOUR = 1, 100
    settings.PORTAL_POW_BITS = FEW_BITS
    client = visitor()
    assert client.post(reverse(URL), data()).status_code == 302
    assert challenge_of(client) is None  # no challenge offered: it would not help
    assert client.post(reverse(URL), data()).status_code == 429
