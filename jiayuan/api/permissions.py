"""DRF permission classes. The domain's own permissions and scope are checked
by the selectors and services the views call; these only gate the API."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from jiayuan.api.models import ApiToken


class SignedInStaff(BasePermission):
    """A signed-in, active account; a read-only token may only read."""

    message = _("This token may only read.")

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_active):
            return False
        token = request.auth
        return not (isinstance(token, ApiToken) and token.read_only
                    and request.method not in SAFE_METHODS)
