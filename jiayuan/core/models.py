"""Staff accounts with a role and a scope, and the append-only audit log."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiayuan.core.auditkeys import signing_key_id
from jiayuan.core.labels import ChoiceLabels
from jiayuan.core.roles import Perm, Role, permission_table, role_has

if TYPE_CHECKING:
    _UserManager = UserManager["User"]  # generic in the stubs only
else:
    _UserManager = UserManager


class StaffManager(_UserManager):
    def create_superuser(self, username: str, email: str | None = None,
                         password: str | None = None, **extra: Any) -> User:
        # The bootstrap account runs the system; it is not a caseworker.
        extra.setdefault("role", Role.ADMIN)
        return super().create_superuser(username, email, password, **extra)


class User(ChoiceLabels, AbstractUser):
    role = models.CharField(_("role"), max_length=20, choices=Role.choices,
                            default=Role.CASEWORKER)
    community = models.ForeignKey(
        "places.Community", models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("community"),
        help_text=_("Leave empty only for district-wide accounts."),
    )
    grids = models.ManyToManyField(
        "places.Grid", blank=True, related_name="+", verbose_name=_("grids"),
        help_text=_("Leave empty to give the account the whole community."),
    )

    objects: ClassVar[StaffManager] = StaffManager()
    # What `display_name` reads: a list that names staff reads only these
    # (jiayuan.core.columns), never the password hash.
    NAME_FIELDS = ("username", "first_name", "last_name")

    class Meta:
        verbose_name = _("staff account")
        verbose_name_plural = _("staff accounts")

    def has(self, perm: Perm) -> bool:
        return self.is_active and role_has(self.role, perm)

    def permissions(self) -> Mapping[str, bool]:
        """Each permission's value mapped to `has(perm)`, read-only (the
        templates' `can`)."""
        return permission_table(self.role if self.is_active else None)

    @property
    def display_name(self) -> str:
        """Chinese names read family name first, without a space (顾建平)."""
        first, last = self.first_name.strip(), self.last_name.strip()
        if any("\u3400" <= ch <= "\u9fff" for ch in first + last):
            return f"{last}{first}" or self.username
        return self.get_full_name() or self.username

    def __str__(self) -> str:
        return self.display_name


class AuditAction(models.TextChoices):
    CREATE = "create", _("Created")
    UPDATE = "update", _("Updated")
    DELETE = "delete", _("Deleted")
    MOVE = "move", _("Moved")
    REVEAL = "reveal", _("Revealed a masked field")
    PRINT = "print", _("Printed")
    EXPORT = "export", _("Exported")
    IMPORT = "import", _("Imported a roster")
    UNDO_IMPORT = "undo_import", _("Undid an import")
    LOGIN = "login", _("Logged in")
    LOGIN_FAILED = "login_failed", _("Failed login")  # earlier entries; now LOCKOUT
    LOCKOUT = "lockout", _("Logins locked out")
    LOGOUT = "logout", _("Logged out")
    DENIED = "denied", _("Access denied")
    VIEW_SENSITIVE = "view_sensitive", _("Viewed sensitive details")
    REDACT = "redact", _("Redacted audit entries")


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError("Audit entries are append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("Audit entries are append-only.")


class AuditEntry(models.Model):
    """One audited event. `seq` is assigned under a lock so the chain is linear;
    `hash` covers every other column and the previous entry's hash.

    `hash` is an HMAC-SHA256 with the audit key named by `key_id`. An entry
    written before the audit key existed has an empty `key_id` and a plain
    SHA-256 `hash` (the database default, so rows added by the migration, or
    by older code still running during an upgrade, say so).
    """

    seq = models.BigIntegerField(primary_key=True)
    at = models.DateTimeField(_("time (UTC)"), default=timezone.now, db_index=True)
    actor_id = models.BigIntegerField(null=True, db_index=True)
    actor_username = models.CharField(_("actor"), max_length=150, blank=True)
    actor_role = models.CharField(_("role"), max_length=20, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=AuditAction.choices,
                              db_index=True)
    object_type = models.CharField(_("object type"), max_length=50, blank=True, db_index=True)
    object_id = models.CharField(_("object id"), max_length=40, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)
    key_id = models.CharField(max_length=12, blank=True, default=signing_key_id,
                              db_default="")
    # The object and the diff are hashed through a salted digest of their own
    # (jiayuan.core.audit.payload_digest), so an entry about a person who is
    # later erased can be redacted: the text and the salt are blanked, the
    # digest stays, and the chain still verifies. Empty on entries written
    # before redaction existed (they hash their text directly and cannot be
    # redacted).
    payload_salt = models.CharField(max_length=32, blank=True, default="", db_default="")
    payload_digest = models.CharField(max_length=64, blank=True, default="", db_default="")
    redacted = models.BooleanField(default=False, db_default=False)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-seq"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PermissionError("Audit entries are append-only.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise PermissionError("Audit entries are append-only.")

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"


class AuditTip(models.Model):
    """The single row that points at the newest entry. Locking it serialises
    appends; comparing it with the last entry detects a deleted tail."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)


class UserSession(models.Model):
    """One staff session (jiayuan.core.sessions): whose it is, when it began and
    was last used, and a coarse device and address, so a person can see their
    sessions and end the others. The session itself lives in the session store;
    this row is kept in step with it (login, logout, the idle and absolute
    limits, the `sessions` tick job)."""

    user = models.ForeignKey(User, models.CASCADE, related_name="+", verbose_name=_("user"))
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(_("signed in"), default=timezone.now)
    last_seen = models.DateTimeField(_("last used"), default=timezone.now)
    # Browser and system as read from the User-Agent ("Chrome · Android").
    device = models.CharField(_("device"), max_length=100, blank=True)
    # The network, never the address: an IPv4 /24 or an IPv6 /48.
    address = models.CharField(_("network"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["-last_seen"]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.device or '?'}"
