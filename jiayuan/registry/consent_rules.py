"""Rules every way of recording a consent follows (the consent form, the roster
import…), and the one builder of a consent's row, so that they are written once.

`consent_columns` is what `registry.services.consent_record` creates and what the
roster importer inserts as plain rows; it applies `check_consent_guardian`, so no
writer can record a child's consent without a guardian."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiayuan.registry.choices import ConsentStatus

#: Below this age a person consents through a parent or guardian (PIPL art. 31).
GUARDIAN_AGE = 14


def age_on(birth_date: date | None, day: date) -> int | None:
    """Whole years from ``birth_date`` to ``day`` (None: birth date not known)."""
    if birth_date is None:
        return None
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month,
                                                                   birth_date.day))


def needs_guardian(birth_date: date | None, day: date) -> bool:
    """Whether a consent recorded on ``day`` must name a guardian."""
    age = age_on(birth_date, day)
    return age is not None and age < GUARDIAN_AGE


def household_guardian(*, head_id: int | None, person_id: int | None) -> int | None:
    """The guardian a child's consent names when the household gives it: its
    head, unless the child is the head (then nobody, and the rule refuses)."""
    return head_id if head_id is not None and head_id != person_id else None


def check_consent_guardian(*, age: int | None, guardian: Any = None,
                           guardian_name: str = "") -> None:
    """Raise ValidationError (on the field ``guardian``) for a consent of a child
    under 14 that names no guardian: neither a person (``guardian``: a Person or
    its id) nor a name. ``age`` is the age on the day the consent is recorded
    (None: not known, not checked)."""
    if age is not None and age < GUARDIAN_AGE and guardian is None and not guardian_name:
        raise ValidationError({"guardian": _(
            "This person is under 14: record the parent or guardian who gave consent.")})


def check_consent_date(recorded_on: date, *, today: date | None = None) -> None:
    """Raise ValidationError (on ``recorded_on``) for a consent dated in the future
    (after ``today``: the local date now, or as a bulk writer took it once)."""
    if recorded_on > (today or timezone.localdate()):
        raise ValidationError({"recorded_on": _("A consent cannot be dated in the future.")})


def consent_columns(*, person_id: int | None, birth_date: date | None, purpose: str,
                    recorded_on: date, recorded_by_id: int, evidence: str = "",
                    guardian_id: int | None = None, guardian_name: str = "",
                    department_id: int | None = None,
                    today: date | None = None) -> dict[str, Any]:
    """The Consent row for a consent given on ``recorded_on`` by the person born
    on ``birth_date`` — after the guardian rule (ValidationError on ``guardian``).
    A guardian who is the person themself is no guardian. A consent is never
    dated in the future (ValidationError on ``recorded_on``): a later date would
    also age a child past 14 and skip the guardian rule."""
    check_consent_date(recorded_on, today=today)
    if guardian_id is not None and guardian_id == person_id:
        guardian_id = None
    check_consent_guardian(age=age_on(birth_date, recorded_on), guardian=guardian_id,
                           guardian_name=guardian_name)
    return {"person_id": person_id, "purpose": purpose, "status": ConsentStatus.GIVEN,
            "department_id": department_id, "recorded_on": recorded_on,
            "recorded_by_id": recorded_by_id, "evidence": evidence,
            "guardian_id": guardian_id, "guardian_name": guardian_name}
