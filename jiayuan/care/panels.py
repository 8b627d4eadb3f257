"""Care's sections of the registry's household page (registered in
CareConfig.ready through jiayuan.registry.panels)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from jiayuan.care.selectors import household_care as _household_care


def household_care(actor: Any, household: Any) -> tuple[str, dict[str, Any]]:
    return "care/_household_care.html", {"care": _household_care(actor, household),
                                         "today": timezone.localdate()}
