"""Staff accounts: a person changes their own password.

A wrong current password counts as a failed login of the account from that
address (the page passes it to core.lockout.password_check_failed): whoever
holds a session can't use this form to guess the password.

Every session of the account opened before the change ends by itself: Django
keeps a hash of the password in each session and drops a session whose hash
no longer matches (the page that made the change keeps its own,
`update_session_auth_hash`).
"""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from jiayuan.core import audit
from jiayuan.core.audit import audited
from jiayuan.core.models import AuditAction, User

# The error code of a wrong current password.
WRONG_PASSWORD = "wrong_password"  # noqa: S105 (an error code, not a password)


@audited
def change_password(*, actor: User, old: str, new: str) -> User:
    """Check the current password, check the new one against every rule
    (settings.AUTH_PASSWORD_VALIDATORS), set it; one audit entry, which says
    only that the password changed. A refusal changes nothing."""
    user = User.objects.select_for_update().get(pk=actor.pk)
    if not user.check_password(old):
        # The code lets the page count it towards the login lockout
        # (core.lockout.password_check_failed): a held session can't guess.
        raise ValidationError({"old_password": ValidationError(_(
            "That is not your current password. Nothing was changed."), code=WRONG_PASSWORD)})
    if new == old:
        raise ValidationError({"new_password1": _(
            "The new password must be different from the current one.")})
    try:
        validate_password(new, user)
    except ValidationError as exc:
        raise ValidationError({"new_password1": exc.messages}) from exc
    user.set_password(new)
    user.save(update_fields=["password"])
    audit.record(AuditAction.UPDATE, actor=actor, obj=user, object_repr=user.username,
                 changes={"password": gettext_noop("changed")})
    return user
