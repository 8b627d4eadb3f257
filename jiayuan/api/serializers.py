"""Serializer helpers shared by the API's areas."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import serializers


class StrictSerializer(serializers.Serializer):
    """A write body may hold only the fields the serializer declares: an
    unknown field is a 400 naming it, never silently dropped (a client's typo
    must not look like success)."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(
                    {name: [_("This field is not known.")] for name in unknown})
        return super().to_internal_value(data)
