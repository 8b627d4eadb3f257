"""The portal's limits: one source is an IPv4 address or an IPv6 /64, and past
the whole portal's hourly ceiling a proof of work still lets a person through
(desk.services.portal, desk.services.portal_pow)."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from jiayuan.desk import services
from jiayuan.desk.models import Case, PortalProof
from jiayuan.desk.services.portal_pow import POW_MAX_AGE, pow_challenge, pow_solve
from tests.desk.test_portal import (  # noqa: F401 (the portal tests' fixtures)
    catalogue,
    consult_item,
    form_data,
    retired_item,
    submit,
    visitor,
)

THROTTLED = "Too many requests have been sent from here"


# --- one source: an IPv4 address, an IPv6 /64 ----------------------------------

def test_two_addresses_in_one_ipv6_64_are_one_source():
    assert services.portal_source("2001:db8:1:2::1") == "2001:db8:1:2::/64"
    assert (services.portal_source_hash("2001:db8:1:2::1")
            == services.portal_source_hash("2001:db8:1:2:ffff:ffff:ffff:fffe"))
    assert (services.portal_source_hash("2001:db8:1:2::1")
            != services.portal_source_hash("2001:db8:1:3::1"))


def test_an_ipv4_mapped_address_is_the_ipv4_address():
    assert services.portal_source("::ffff:192.0.2.10") == "192.0.2.10"
    assert (services.portal_source_hash("::ffff:192.0.2.10")
            == services.portal_source_hash("192.0.2.10"))
    assert (services.portal_source_hash("192.0.2.10")
            != services.portal_source_hash("192.0.2.11"))


@override_settings(PORTAL_MAX_PER_SOURCE_HOUR=2, PORTAL_MAX_PER_HOUR=100)
def test_one_ipv6_64_shares_the_per_source_limit(community, catalogue):  # noqa: F811
    for ip in ("2001:db8:1:2::1", "2001:db8:1:2::2"):
        assert submit(visitor(ip=ip), catalogue["school"]).status_code == 302
    refused = submit(visitor(ip="2001:db8:1:2:aaaa::9"), catalogue["school"])
    assert refused.status_code == 429 and THROTTLED in refused.content.decode()
    # The next /64 is another source.
    assert submit(visitor(ip="2001:db8:1:3::1"), catalogue["school"]).status_code == 302
    assert Case.objects.count() == 3


@override_settings(PORTAL_MAX_PER_SOURCE_HOUR=2, PORTAL_MAX_PER_HOUR=100)
def test_a_v4_mapped_visitor_shares_the_ipv4_limit(community, catalogue):  # noqa: F811
    for ip in ("192.0.2.50", "::ffff:192.0.2.50"):
        assert submit(visitor(ip=ip), catalogue["school"]).status_code == 302
    assert submit(visitor(ip="192.0.2.50"), catalogue["school"]).status_code == 429


# --- past the whole portal's ceiling: a proof of work ---------------------------

FEW_BITS = 8  # the tests' difficulty: 256 hashes on average


@pytest.fixture
def over_the_cap(community, catalogue, settings) -> dict[str, Any]:  # noqa: F811
    """Two requests made this hour, and the whole portal's ceiling is two."""
    settings.PORTAL_MAX_PER_SOURCE_HOUR, settings.PORTAL_MAX_PER_HOUR = 2, 2
    settings.PORTAL_POW_BITS = FEW_BITS
    for n in range(2):
        assert submit(visitor(ip=f"192.0.2.{60 + n}"), catalogue["school"]).status_code == 302
    return catalogue


def challenge_of(client: Any) -> Any:
    page = client.get(reverse("portal_request"))
    assert page.status_code == 200
    return page.context["pow"]


def test_under_the_cap_the_form_asks_for_no_proof(community, catalogue):  # noqa: F811
    page = visitor().get(reverse("portal_request"))
    assert page.context["pow"] is None
    assert 'name="pow"' not in page.content.decode()
    assert "portal-pow.js" not in page.content.decode()


def test_over_the_cap_the_form_is_still_served_with_a_challenge(over_the_cap):
    page = visitor().get(reverse("portal_request"))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'name="pow"' in html and 'name="pow_nonce"' in html
    assert f'data-pow-bits="{FEW_BITS}"' in html
    assert '<script src="/static/js/portal-pow.js" defer></script>' in html
    assert "<script>" not in html  # no inline script: a strict CSP is coming


def test_without_a_proof_it_is_refused_with_the_message(over_the_cap):
    client = visitor()
    challenge = challenge_of(client)
    response = submit(client, over_the_cap["school"], pow=challenge.token, pow_nonce="")
    assert response.status_code == 429
    assert THROTTLED in response.content.decode()
    assert Case.objects.count() == 2
    # A fresh challenge comes back with the refusal, for the script to answer.
    assert response.context["pow"].token != challenge.token


def test_with_a_valid_proof_it_is_accepted(over_the_cap):
    client = visitor()
    challenge = challenge_of(client)
    nonce = pow_solve(challenge.prefix, challenge.bits)
    response = submit(client, over_the_cap["school"], pow=challenge.token, pow_nonce=nonce)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Case.objects.count() == 3
    assert PortalProof.objects.filter(challenge=challenge.prefix).count() == 1


def test_a_replayed_proof_is_refused(over_the_cap):
    client = visitor()
    challenge = challenge_of(client)
    nonce = pow_solve(challenge.prefix, challenge.bits)
    proof = {"pow": challenge.token, "pow_nonce": nonce}
    assert submit(client, over_the_cap["school"], **proof).status_code == 302
    again = submit(visitor(ip="192.0.2.99"), over_the_cap["school"], **proof)
    assert again.status_code == 429 and THROTTLED in again.content.decode()
    assert Case.objects.count() == 3


def failing_nonce(challenge: Any) -> str:
    """A nonce that does not answer this challenge (checked, not hoped for)."""
    n = 0
    while services.pow_check(challenge.token, f"x{n}") is not None:
        n += 1
    return f"x{n}"


@pytest.mark.parametrize("spoil", [
    pytest.param(lambda c, n: (c.token + "x", n), id="forged-signature"),
    pytest.param(lambda c, n: (c.token, failing_nonce(c)), id="wrong-nonce"),
    pytest.param(lambda c, n: (c.token, ""), id="no-nonce"),
    pytest.param(lambda c, n: ("", n), id="no-challenge"),
])
def test_a_forged_or_wrong_proof_is_refused(over_the_cap, spoil):
    challenge = pow_challenge()
    token, nonce = spoil(challenge, pow_solve(challenge.prefix, challenge.bits))
    response = submit(visitor(), over_the_cap["school"], pow=token, pow_nonce=nonce)
    assert response.status_code == 429
    assert Case.objects.count() == 2


def test_an_easier_challenge_than_the_setting_is_refused(over_the_cap):
    easy = pow_challenge(bits=1)
    response = submit(visitor(), over_the_cap["school"], pow=easy.token,
                      pow_nonce=pow_solve(easy.prefix, 1))
    assert response.status_code == 429 and Case.objects.count() == 2


def test_an_expired_challenge_is_refused(over_the_cap):
    now = time.time()
    old = pow_challenge(now=now - POW_MAX_AGE - 5)
    nonce = pow_solve(old.prefix, old.bits)
    assert services.pow_check(old.token, nonce, now=now) is None
    response = submit(visitor(), over_the_cap["school"], pow=old.token, pow_nonce=nonce)
    assert response.status_code == 429 and Case.objects.count() == 2
    # Just inside its lifetime, the same kind of challenge works.
    fresh = pow_challenge(now=now - POW_MAX_AGE + 60)
    ok = submit(visitor(), over_the_cap["school"], pow=fresh.token,
                pow_nonce=pow_solve(fresh.prefix, fresh.bits))
    assert ok.status_code == 302


def test_the_per_source_limit_still_applies_with_a_proof(over_the_cap, settings):
    settings.PORTAL_MAX_PER_SOURCE_HOUR = 1
    client = visitor(ip="192.0.2.60")  # made one of the two requests already
    assert client.get(reverse("portal_request")).context["pow"] is None
    challenge = pow_challenge()
    response = submit(client, over_the_cap["school"], pow=challenge.token,
                      pow_nonce=pow_solve(challenge.prefix, challenge.bits))
    assert response.status_code == 429 and Case.objects.count() == 2


def test_a_proof_is_used_once_and_old_ones_are_pruned(db, settings):
    settings.PORTAL_POW_BITS = FEW_BITS
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        first = pow_challenge()
        nonce = pow_solve(first.prefix, first.bits)
        assert services.portal_pow_redeem(token=first.token, nonce=nonce)
        assert not services.portal_pow_redeem(token=first.token, nonce=nonce)
    later = start + timedelta(seconds=POW_MAX_AGE + 1)
    with time_machine.travel(later, tick=False):
        second = pow_challenge()
        assert services.portal_pow_redeem(token=second.token,
                                          nonce=pow_solve(second.prefix, second.bits))
    assert list(PortalProof.objects.values_list("challenge", flat=True)) == [second.prefix]


def test_a_spoiled_form_over_the_cap_keeps_the_proof_unused(over_the_cap):
    client = visitor()
    challenge = challenge_of(client)
    nonce = pow_solve(challenge.prefix, challenge.bits)
    data = form_data(over_the_cap["school"], phone="12", pow=challenge.token, pow_nonce=nonce)
    response = client.post(reverse("portal_request"), data)
    assert response.status_code == 200  # the phone is named, not a refusal
    assert not PortalProof.objects.exists()
