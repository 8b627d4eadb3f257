"""Django admin for administrators only: accounts, roles and scopes.

Residents' data is deliberately not registered here: it is reachable only
through the scoped, audited pages. Changes made here are audited too.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from jiayuan.core import audit
from jiayuan.core.models import AuditAction, User
from jiayuan.core.roles import Perm


class AuditedAdmin(admin.ModelAdmin):
    """Record admin saves and deletes in the audit log; allow only roles with
    `perm` (superusers included, for bootstrapping)."""

    perm: Perm = Perm.MANAGE_PLACES

    def has_module_permission(self, request: Any) -> bool:
        return request.user.is_active and (request.user.is_superuser
                                           or request.user.has(self.perm))

    def has_view_permission(self, request: Any, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    has_change_permission = has_add_permission = has_view_permission

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def save_model(self, request: Any, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        # Never a password (password, password1, password2…) in the log, not even hashed.
        changed = {name: "(changed)" if "password" in name else str(form.cleaned_data.get(name))
                   for name in (form.changed_data or [])}
        audit.record(AuditAction.UPDATE if change else AuditAction.CREATE, actor=request.user,
                     obj=obj, changes=changed)

    def delete_model(self, request: Any, obj: Any) -> None:
        audit.record(AuditAction.DELETE, actor=request.user, obj=obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request: Any, queryset: Any) -> None:
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(User)
class UserAdmin(AuditedAdmin, BaseUserAdmin):
    perm = Perm.MANAGE_STAFF
    list_display = ("username", "first_name", "last_name", "role", "community", "is_active")
    list_filter = ("role", "community", "is_active")
    filter_horizontal = ("grids",)
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Staff member"), {"fields": ("first_name", "last_name", "email")}),
        (_("Role and scope"), {"fields": ("role", "community", "grids", "is_active",
                                          "is_staff")}),
    )
    add_fieldsets = (
        (None, {"fields": ("username", "password1", "password2", "role", "community")}),
    )


admin.site.site_header = _("Jiayuan administration")
admin.site.site_title = _("Jiayuan")
