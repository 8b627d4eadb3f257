"""Django admin for the catalogue (services, categories, departments), for the
station head and superusers. Saves are audited like every admin change.

Cases, their timelines, follow-ups and referrals are deliberately not
registered: they hold residents' data and change only through the desk's
scoped, audited services.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from modeltranslation.admin import TranslationAdmin

from jiayuan.core.admin import AuditedAdmin
from jiayuan.core.roles import Perm
from jiayuan.desk.models import Department, ServiceCategory, ServiceItem


class CatalogueAdmin(AuditedAdmin, TranslationAdmin):
    perm = Perm.MANAGE_CATALOGUE

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        # Cases refer to catalogue entries: retire them with "active" instead.
        return False

    def get_readonly_fields(self, request: Any, obj: Any = None) -> tuple[str, ...]:
        # Codes are referred to by imports and consents: chosen once.
        return ("code",) if obj is not None else ()


@admin.register(ServiceCategory)
class ServiceCategoryAdmin(CatalogueAdmin):
    list_display = ("code", "name", "order")
    search_fields = ("code", "name")


@admin.register(ServiceItem)
class ServiceItemAdmin(CatalogueAdmin):
    list_display = ("code", "name", "category", "department", "response_hours",
                    "resolution_days", "green_channel", "onsite_required", "active")
    list_filter = ("active", "category", "green_channel", "onsite_required")
    list_select_related = ("category", "department")
    search_fields = ("code", "name")


@admin.register(Department)
class DepartmentAdmin(CatalogueAdmin):
    list_display = ("code", "name", "kind", "contact_name", "phone", "active")
    list_filter = ("kind", "active")
    search_fields = ("code", "name", "contact_name")
