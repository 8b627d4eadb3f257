"""The rights app's section of the registry's person page (registered in
RightsConfig.ready through jiayuan.registry.panels)."""

from __future__ import annotations

from typing import Any

from jiayuan.rights.record import RECORD_PERMS


def person_record(actor: Any, person: Any, query: Any) -> tuple[str, dict[str, Any]] | None:
    """The two downloads of the person's record, for those who may make it."""
    if not all(actor.has(perm) for perm in RECORD_PERMS):
        return None
    return "rights/record_section.html", {}
