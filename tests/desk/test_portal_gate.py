"""The one flood guard every portal form goes through (desk.portal.common.gate):
the desk's request, civic's suggestion and engage's sign-up alike. The limits
come first; a filled honeypot and a bad timing stamp count against the
address, a mistyped field does not."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.core.exceptions import NON_FIELD_ERRORS

from jiayuan.civic.suggestions.forms import PortalIdeaForm
from jiayuan.desk.choices import PortalHitKind
from jiayuan.desk.models import PortalHit
from jiayuan.desk.portal.common import Gate, gate
from jiayuan.desk.portal.forms import PortalRequestForm, issue_stamp
from jiayuan.engage.activities.forms import PortalSignUpForm

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("school_item")]

FORMS = [
    pytest.param(PortalRequestForm, {
        "service": "school-place", "summary": "孩子需要入学", "name": "马大姐", "phone": "13912345678", "consent": "on"},
        id="desk-request"),
    pytest.param(PortalIdeaForm, {"title": "楼下装路灯", "category": "lighting",
                                  "body": "五号楼下晚上太黑了"}, id="civic-suggestion"),
    pytest.param(PortalSignUpForm, {"session": 1, "names": "甲", "phone": "13812345670"},
                 id="engage-signup"),
]


def _posted(make: Any, fields: dict[str, Any], **kw: Any) -> Any:
    return make({**fields, "website": "", "stamp": issue_stamp(now=time.time() - 10), **kw})


def _hits(kind: str) -> int:
    return PortalHit.objects.filter(source="here", kind=kind).count()


@pytest.mark.parametrize(("make", "fields"), FORMS)
def test_the_limits_come_first_even_for_a_filled_honeypot(make: Any, fields: Any) -> None:
    form = _posted(make, fields, website="http://spam")
    assert gate(form, "here", allowed=lambda source: source != "here") is Gate.THROTTLED
    assert form.has_error(NON_FIELD_ERRORS, "throttled")
    assert not PortalHit.objects.exists()


@pytest.mark.parametrize(("make", "fields"), FORMS)
def test_a_honeypot_and_a_bad_stamp_count_a_typo_does_not(make: Any, fields: Any) -> None:
    def allowed(source: str) -> bool:
        return True

    assert gate(_posted(make, fields, website="x"), "here", allowed=allowed) is Gate.SPAM
    assert _hits(PortalHitKind.HONEYPOT) == 1
    fresh = _posted(make, fields, stamp=issue_stamp())  # sent in under 3 seconds
    assert gate(fresh, "here", allowed=allowed) is Gate.INVALID
    assert fresh.has_error(NON_FIELD_ERRORS, "stamp") and _hits(PortalHitKind.STAMP) == 1
    typo = _posted(make, fields, phone="12", contact_phone="12")
    assert gate(typo, "here", allowed=allowed) is Gate.INVALID
    assert _hits(PortalHitKind.STAMP) == 1
    assert gate(_posted(make, fields), "here", allowed=allowed) is Gate.VALID
    assert PortalHit.objects.count() == 2
