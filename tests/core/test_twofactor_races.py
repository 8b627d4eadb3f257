"""One code, two requests at once: the account's row is locked before its
devices are read (jiayuan.core.twofactor._lock_account), so a recovery code
or an authenticator code is accepted once, never twice."""

from __future__ import annotations

from typing import Any

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from jiayuan.core import twofactor
from tests.locking import Meeting, needs_postgres, run_together


def test_a_recovery_code_given_twice_in_a_row_works_the_first_time_only(personas):
    user = personas["caseworker"]
    codes = twofactor.recovery_codes_new(actor=user)
    assert twofactor.check_code(actor=user, code=codes[3]).outcome is twofactor.Outcome.RECOVERY
    assert twofactor.check_code(actor=user, code=codes[3]).outcome is twofactor.Outcome.WRONG
    assert twofactor.recovery_left(user) == 9


@needs_postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", ["recovery", "authenticator"])
def test_one_code_given_by_two_requests_at_once_is_accepted_once(personas, monkeypatch, kind):
    user = personas["caseworker"]
    device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    codes = twofactor.recovery_codes_new(actor=user)
    code = codes[0] if kind == "recovery" else (
        f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}")
    # Both requests meet once they have their device loaded (the throttle's
    # check comes next): without the account's lock both load it, both see
    # the code unused, and both are let in.
    meeting, real_wait = Meeting(), twofactor._wait

    def wait(device: Any) -> int:
        meeting.arrive()
        return real_wait(device)

    monkeypatch.setattr(twofactor, "_wait", wait)

    def give() -> twofactor.Outcome:
        return twofactor.check_code(actor=user, code=code).outcome

    outcomes, errors = run_together(give, give)
    assert not errors
    assert sum(o.ok for o in outcomes) == 1, outcomes
