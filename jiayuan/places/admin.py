from django.contrib import admin
from django.http import HttpRequest

from jiayuan.core.admin import AuditedAdmin
from jiayuan.places.models import Building, Community, Dwelling, Grid


@admin.register(Community)
class CommunityAdmin(AuditedAdmin):
    list_display = ("name", "code")


@admin.register(Grid)
class GridAdmin(AuditedAdmin):
    list_display = ("name", "code", "community")
    list_filter = ("community",)


@admin.register(Building)
class BuildingAdmin(AuditedAdmin):
    """A building's grid is fixed once it has dwellings: residents' scope is
    copied from it, so moving a building between grids is a data migration,
    not a form edit."""

    list_display = ("number", "name", "grid")

    def get_readonly_fields(self, request: HttpRequest,
                            obj: Building | None = None) -> tuple[str, ...]:
        return ("grid",) if obj is not None and obj.dwellings.exists() else ()
    list_filter = ("grid__community", "grid")
    list_select_related = ("grid",)


@admin.register(Dwelling)
class DwellingAdmin(AuditedAdmin):
    list_display = ("code", "building", "unit", "room")
    list_filter = ("grid",)
    search_fields = ("code",)
    list_select_related = ("building",)
    raw_id_fields = ("building",)

    def get_readonly_fields(self, request: HttpRequest,
                            obj: Dwelling | None = None) -> tuple[str, ...]:
        return ("building",) if obj is not None and obj.households.exists() else ()
