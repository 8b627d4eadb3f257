"""Form fields for places, shared by the apps' forms."""

from __future__ import annotations

from jiayuan.lib.forms import IdModelChoiceField
from jiayuan.places.models import Grid


class GridChoiceField(IdModelChoiceField):
    """A grid chosen by its code and name ("G1 第一网格")."""

    def label_from_instance(self, obj: Grid) -> str:
        return f"{obj.code} {obj.name}"
