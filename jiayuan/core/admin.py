"""Django admin for administrators only: accounts, roles and scopes.

Residents' data is deliberately not registered here: it is reachable only
through the scoped, audited pages. Changes made here are audited too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm
from django.utils.translation import gettext_lazy as _

from jiayuan.core import audit
from jiayuan.core.models import AuditAction, User
from jiayuan.core.roles import Perm, Role


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


DISTRICT_ROLES = (Role.ADMIN, Role.AUDITOR)
SCOPE_FIELDS = ("role", "community", "grids", "is_active", "is_staff", "is_superuser")


if TYPE_CHECKING:
    _StaffForm = forms.ModelForm[User]  # what ScopeCheck is mixed into
else:
    _StaffForm = object


class ScopeCheck(_StaffForm):
    """Scope fails closed: only administrators and auditors may have no
    community (district-wide); everyone else needs one."""

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("role") not in DISTRICT_ROLES and not data.get("community"):
            self.add_error("community", _("Choose the account's community: only "
                                          "administrators and auditors may be district-wide."))
        return data


class StaffCreationForm(ScopeCheck, UserCreationForm):
    # django-stubs declares no Meta on the auth forms; Django has one.
    class Meta(UserCreationForm.Meta):  # type: ignore[name-defined]
        model = User
        fields = ("username", "role", "community")


class StaffChangeForm(ScopeCheck, UserChangeForm):
    class Meta(UserChangeForm.Meta):  # type: ignore[name-defined]  # as above
        model = User


@admin.register(User)
class UserAdmin(AuditedAdmin, BaseUserAdmin):
    perm = Perm.MANAGE_STAFF
    form = StaffChangeForm
    add_form = StaffCreationForm

    def get_readonly_fields(self, request: Any, obj: Any = None) -> list[str] | tuple[str, ...]:
        # Nobody widens their own role or scope.
        if obj is not None and obj.pk == request.user.pk:
            return SCOPE_FIELDS
        return super().get_readonly_fields(request, obj)

    def user_change_password(self, request: Any, id: str, form_url: str = "") -> Any:
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            target = User.objects.filter(pk=id).first()
            audit.record(AuditAction.UPDATE, actor=request.user, obj=target,
                         changes={"password": "(changed)"})
        return response
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
