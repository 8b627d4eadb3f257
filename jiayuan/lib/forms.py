"""Form fields that never let a hostile id reach the database.

Django's ModelChoiceField passes whatever digits it is given to the query; an
id beyond a 64-bit key overflows SQLite (OverflowError) and PostgreSQL
(DataError), a 500 instead of "select a valid choice". These fields refuse
such a value as an invalid choice before any query.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from django import forms
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db.models import Model


def db_id(raw: Any) -> int | None:
    """A primary key, or None: ASCII digits only (not "²", which
    `str.isdigit` accepts), within a 64-bit key."""
    text = str(raw if raw is not None else "").strip()
    if not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if 0 < value < 2**63 else None


def _model(field: forms.ModelChoiceField) -> type[Model]:
    if field.queryset is None:
        raise ImproperlyConfigured(f"{type(field).__name__} has no queryset")
    return field.queryset.model


class IdModelChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField keyed on an integer pk that refuses hostile ids."""

    def to_python(self, value: Any) -> Any:
        if value in self.empty_values or isinstance(value, _model(self)):
            return super().to_python(value)
        if self.to_field_name is None and db_id(value) is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class IdModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """The same for a list of ids: one hostile id is an invalid choice."""

    def _check_values(self, value: Any) -> Any:
        if self.to_field_name is None:
            for pk in value:
                if not isinstance(pk, _model(self)) and db_id(pk) is None:
                    raise ValidationError(self.error_messages["invalid_pk_value"],
                                          code="invalid_pk_value", params={"pk": pk})
        # A private hook of Django's that django-stubs does not declare.
        return super()._check_values(value)  # type: ignore[misc]


def search_text(raw: Any) -> str:
    """A typed query with its control characters dropped and trimmed: no
    name, number or address holds one, and PostgreSQL refuses a NUL in a
    query ("?q=%00" was a 500)."""
    return "".join(ch for ch in str(raw or "") if unicodedata.category(ch) != "Cc").strip()
