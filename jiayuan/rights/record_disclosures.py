"""The disclosures section of a person's record (jiayuan.rights.record): the
audit entries that disclosed something about the person, in words.

An audit entry stores codes (its action, its object type, a `changes` dict of
stable keys); the record reads them in the reader's language: the action's
label, what was disclosed ("ID-card number shown", "record downloaded"),
who (account and role) and when (station time). The JSON keeps the codes
beside the words (`{"code": ..., "text": ...}`) so a program can still read
them.

The keys are those the audit calls write with REVEAL, PRINT, EXPORT and
VIEW_SENSITIVE on a person, a household, a request or a referral (grep
`audit.record(AuditAction.` in jiayuan/). A key this module does not know is
shown as "other details", never raw.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiayuan.core.models import AuditAction, AuditEntry
from jiayuan.core.roles import Role
from jiayuan.desk.models import Case, Referral
from jiayuan.registry.models import Household, Person
from jiayuan.rights.record_fields import section

# The audit entries that disclosed something (not edits, not refusals).
DISCLOSURES = (AuditAction.REVEAL, AuditAction.PRINT, AuditAction.EXPORT,
               AuditAction.VIEW_SENSITIVE)

# REVEAL {"field": ...}: registry person_reveal, desk caller_phone_of,
# engage signup phone, civic suggestion contact.
FIELDS = {
    "id_number": gettext_lazy("ID-card number shown"),
    "phone": gettext_lazy("phone number shown"),
    "caller_phone": gettext_lazy("caller's phone number shown"),
    "permit_number": gettext_lazy("residence permit number shown"),
}
# VIEW_SENSITIVE {"shown": [...]} and PRINT {"sensitive_shown": [...]}.
SHOWN = {
    "ethnicity": gettext_lazy("ethnic group"),
    "circumstances": gettext_lazy("circumstances"),
    "festivals": gettext_lazy("festivals"),
    "duty reasons": gettext_lazy("reasons for must-visit duties"),
}
# PRINT/EXPORT {"document": ...}.
DOCUMENTS = {
    "walk_in_receipt": gettext_lazy("walk-in receipt printed"),
}
# The object an entry is about.
OBJECTS = {
    "registry.person": gettext_lazy("the person"),
    "registry.household": gettext_lazy("the household"),
    "desk.case": gettext_lazy("a service request"),
    "desk.referral": gettext_lazy("a referral to a department"),
}


def disclosures(p: Person, h: Household, cases: list[Case]) -> dict[str, Any]:
    """Audit entries that disclosed something about the person: reveals,
    prints, exports and sensitive details shown, of the person, their
    household, their requests and those requests' referrals. Exports of whole
    lists name nobody and are not here (docs/data-protection.md)."""
    case_ids = [c.pk for c in cases]
    referral_ids = list(Referral.objects.filter(case_id__in=case_ids).values_list("pk", flat=True))
    objects = {"registry.person": [p.pk], "registry.household": [h.pk],
               "desk.case": case_ids, "desk.referral": referral_ids}
    where = Q()
    for object_type, ids in objects.items():
        if ids:
            where |= Q(object_type=object_type, object_id__in=[str(i) for i in ids])
    entries = AuditEntry.objects.filter(where, action__in=DISCLOSURES).order_by("seq")
    return section(_("Disclosures about the person (audit log)"), AuditEntry,
                   [("at", _("Time"))], entries,
                   extra={"actor": (_("By"), _actor),
                          "role": (_("Role"), _role),
                          "action": (_("Action"), _action),
                          "about": (_("About"), _about),
                          "what": (_("What was disclosed"), _what)})


def _coded(code: str, text: Any) -> dict[str, str]:
    return {"code": code, "text": str(text)}


def _actor(entry: AuditEntry) -> str:
    username = entry.actor_username or ""
    if username.startswith("dept:"):
        return _("a department (through its reply link)")
    return username or _("the system")


def _role(entry: AuditEntry) -> dict[str, str] | None:
    if not entry.actor_role:
        return None
    labels = dict(Role.choices)
    return _coded(entry.actor_role, labels.get(entry.actor_role, _("other role")))


def _action(entry: AuditEntry) -> dict[str, str]:
    labels = dict(AuditAction.choices)
    return _coded(entry.action, labels.get(entry.action, _("other action")))


def _about(entry: AuditEntry) -> dict[str, str]:
    label = OBJECTS.get(entry.object_type, gettext_lazy("another record"))
    # A request's reference names the request (the person's own or their
    # household's); other objects' stored names are not repeated.
    text = (f"{label} {entry.object_repr}" if entry.object_type == "desk.case"
            and entry.object_repr else str(label))
    return _coded(entry.object_type, text)


def _what(entry: AuditEntry) -> dict[str, str] | None:
    changes = entry.changes if isinstance(entry.changes, dict) else {}
    code = ";".join(f"{k}={_flat(v)}" for k, v in sorted(changes.items())
                    if k in ("field", "kind", "format", "document", "shown",
                             "sensitive_shown", "reply_page", "contact_shown"))
    texts = _texts(entry, changes)
    if not texts:
        return None
    return {"code": code, "text": "; ".join(str(t) for t in texts)}


def _flat(value: Any) -> str:
    return ",".join(map(str, value)) if isinstance(value, list) else str(value)


def _texts(entry: AuditEntry, changes: dict[str, Any]) -> list[Any]:
    texts: list[Any] = []
    if field := changes.get("field"):
        texts.append(FIELDS.get(str(field), gettext_lazy("a masked field shown")))
    if changes.get("kind") == "person_record":
        texts.append(_("personal record downloaded as %(format)s")
                     % {"format": str(changes.get("format", "")).upper()})
    elif document := changes.get("document"):
        texts.append(DOCUMENTS.get(str(document), gettext_lazy("a document downloaded")))
    elif entry.action == AuditAction.PRINT and entry.object_type == "desk.referral":
        texts.append(_("referral letter printed"))
    elif entry.action == AuditAction.PRINT and entry.object_type == "registry.household":
        texts.append(_("household file printed"))
    if changes.get("reply_page"):
        texts.append(_("the department opened its reply page"))
    if changes.get("contact_shown"):
        texts.append(_("contact details shared with the department"))
    shown = [s for key in ("shown", "sensitive_shown")
             for s in (changes.get(key) or []) if isinstance(changes.get(key), list)]
    if shown:
        texts.append(_("shown: %(what)s") % {"what": ", ".join(
            str(SHOWN.get(str(s), gettext_lazy("other details"))) for s in shown)})
    if not texts and entry.action in (AuditAction.PRINT, AuditAction.EXPORT):
        texts.append(_("printed") if entry.action == AuditAction.PRINT else _("exported"))
    return texts
