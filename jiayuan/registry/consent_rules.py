"""Rules every way of recording a consent follows (the consent form, the roster
import…), so that they are written once."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

#: Below this age a person consents through a parent or guardian (PIPL art. 31).
GUARDIAN_AGE = 14


def check_consent_guardian(*, age: int | None, guardian: Any = None,
                           guardian_name: str = "") -> None:
    """Raise ValidationError (on the field ``guardian``) for a consent of a child
    under 14 that names no guardian: neither a person (``guardian``: a Person or
    its id) nor a name. ``age`` is the age on the day the consent is recorded
    (None: not known, not checked)."""
    if age is not None and age < GUARDIAN_AGE and guardian is None and not guardian_name:
        raise ValidationError({"guardian": _(
            "This person is under 14: record the parent or guardian who gave consent.")})
