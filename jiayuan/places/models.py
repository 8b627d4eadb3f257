"""Community -> grid -> building -> dwelling: where households live (网格化)."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Community(models.Model):
    name = models.CharField(pgettext_lazy("of a place or business", "name"), max_length=100)
    code = models.CharField(_("code"), max_length=20, unique=True,
                            help_text=_("Short code used in reference numbers, e.g. ZJJ."))

    class Meta:
        verbose_name = _("community")
        verbose_name_plural = _("communities")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Grid(models.Model):
    community = models.ForeignKey(Community, models.PROTECT, related_name="grids",
                                  verbose_name=_("community"))
    name = models.CharField(pgettext_lazy("of a place or business", "name"), max_length=100)
    code = models.CharField(_("code"), max_length=20)

    class Meta:
        verbose_name = _("grid")
        verbose_name_plural = _("grids")
        ordering = ["community_id", "code"]
        constraints = [models.UniqueConstraint(fields=["community", "code"],
                                               name="grid_code_unique_in_community")]

    def __str__(self) -> str:
        return self.name


class Building(models.Model):
    grid = models.ForeignKey(Grid, models.PROTECT, related_name="buildings",
                             verbose_name=_("grid"))
    number = models.CharField(_("building number"), max_length=20,
                              help_text=_("As painted on the building, e.g. 3 for building 3."))
    name = models.CharField(_("estate or street"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        ordering = ["grid_id", "number"]

    def __str__(self) -> str:
        return f"{self.name} {self.number}" if self.name else self.number


class Dwelling(models.Model):
    building = models.ForeignKey(Building, models.PROTECT, related_name="dwellings",
                                 verbose_name=_("building"))
    unit = models.CharField(_("unit"), max_length=10, blank=True)
    room = models.CharField(_("room"), max_length=20)
    # "building-unit-room" (3-2-302), denormalised so the search box can find a
    # dwelling with one indexed look-up.
    code = models.CharField(_("code"), max_length=60, db_index=True, editable=False)
    grid = models.ForeignKey(Grid, models.PROTECT, related_name="+", editable=False)
    # The roster import that created this dwelling, if any (jiayuan.sheets).
    import_batch_id = models.BigIntegerField(null=True, blank=True, editable=False,
                                             db_index=True)

    class Meta:
        verbose_name = _("dwelling")
        verbose_name_plural = _("dwellings")
        ordering = ["building_id", "unit", "room"]
        constraints = [models.UniqueConstraint(fields=["building", "unit", "room"],
                                               name="dwelling_unique_in_building")]

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.code = dwelling_code(self.building.number, self.unit, self.room)
        self.grid_id = self.building.grid_id
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        estate = self.building.name
        return f"{estate} {self.code}".strip()


def dwelling_code(building: str, unit: str, room: str) -> str:
    return "-".join(part for part in (building, unit, room) if part)
