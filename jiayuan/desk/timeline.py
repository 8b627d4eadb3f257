"""A case's timeline in the reader's language.

What the system writes on a timeline ("Request received: …", "Owner: …", a
status change, a department's reply) is stored as a message code and its
parameters (CaseEvent.code, CaseEvent.params) and rendered here, at display
time, in the language of whoever reads it: the English desk, the Chinese desk
and the resident on the portal each read the same entry in their own language.
What a person typed (a note, a reason, a department's answer) stays as text,
in the language it was written in.

A parameter that has a name in each language (a service, a department) is
kept as {language: name} so the entry reads right even after the catalogue is
renamed, and needs no query to render.

`event_text` and `event_who` are the one rendering used by the desk's timeline,
the portal's status page and the API.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext, gettext_noop

# code -> msgid. The msgids are translated when rendered, never when stored.
MESSAGES: dict[str, str] = {
    "received": gettext_noop("Request received: %(item)s"),
    "owner": gettext_noop("Owner: %(name)s"),
    "duplicate": gettext_noop("Same request as %(ref)s."),
    "followup_reached": gettext_noop("Reached the resident; satisfaction %(n)d/5."),
    "followup_unreached": gettext_noop(
        "Could not reach the resident (attempt %(n)d of %(max)d)."),
    "closed_unanswered": gettext_noop("Closed after %(n)d unanswered calls."),
    "referred": gettext_noop("Referred to %(dept)s."),
    "referral_withdrawn": gettext_noop("Referral to %(dept)s withdrawn: %(reason)s"),
    "referral_consent_withdrawn": gettext_noop(
        "Referral to %(dept)s withdrawn: the resident withdrew their consent to sharing."),
    "dept_acknowledged": gettext_noop("The department acknowledged the referral."),
    "dept_answered": gettext_noop("The department has answered."),
    "dept_answer_corrected": gettext_noop("Corrected answer: %(answer)s"),
    "no_department_left": gettext_noop("No department is left to wait on."),
    "sla_response": gettext_noop("First response target missed (due %(due)s)."),
    "sla_resolution": gettext_noop("Resolution target missed (due %(due)s)."),
}
# Codes rendered by a function below rather than one message.
COMPOSED = ("edited", "resolved", "sla")

PORTAL = "portal"


def names(obj: Any, field: str = "name") -> dict[str, str]:
    """{language: text} of a translated catalogue field (django-modeltranslation
    keeps one column per language)."""
    out = {}
    for code, _label in settings.LANGUAGES:
        value = getattr(obj, f"{field}_{code.replace('-', '_')}", None)
        if value:
            out[code] = value
    if not out:
        out[settings.LANGUAGE_CODE] = str(getattr(obj, field, ""))
    return out


def localized(value: Any) -> Any:
    """A {language: text} parameter in the active language, falling back to the
    station's language, then to any; other values as they are."""
    if not isinstance(value, dict):
        return value
    lang = (translation.get_language() or settings.LANGUAGE_CODE).lower()
    for code in (lang, lang.split("-")[0], settings.LANGUAGE_CODE):
        if value.get(code):
            return value[code]
    return next((v for v in value.values() if v), "")


def message(code: str, params: dict[str, Any] | None = None) -> str:
    """One system line in the active language."""
    params = params or {}
    if code == "edited":
        from jiayuan.desk.models import Case

        labels = []
        for name in params.get("fields", []):
            try:
                labels.append(str(Case._meta.get_field(name).verbose_name))
            except Exception:  # a field since removed: show its name
                labels.append(name)
        return ", ".join(labels)
    if code == "resolved":
        from jiayuan.desk.choices import Outcome

        outcome = params.get("outcome", "")
        text = str(Outcome(outcome).label) if outcome in Outcome.values else outcome
        if params.get("quantity"):
            text += f" × {params['quantity']}"
        return f"{text}. {params['note']}".strip() if params.get("note") else text
    if code == "sla":
        parts = [message(f"sla_{part}", {"due": params[part]})
                 for part in ("response", "resolution") if params.get(part)]
        return " ".join(parts)
    msgid = MESSAGES.get(code)
    if msgid is None:
        return ""
    values = {k: localized(v) for k, v in params.items()}
    if code == "owner" and not values.get("name"):
        values["name"] = gettext("(nobody)")
    text = gettext(msgid) % values if "%(" in msgid else gettext(msgid)
    if params.get("comment"):
        text += " " + params["comment"]
    return text


def event_text(event: Any) -> str:
    """The entry's line in the active language: its message, then what a person
    typed with it."""
    if not event.code:
        return event.text
    line = message(event.code, event.params)
    return f"{line}\n{event.text}".strip() if event.text else line


def event_who(event: Any) -> str:
    """Who made the entry, in the active language."""
    if event.actor_id:
        return event.actor.display_name
    by = (event.params or {}).get("by")
    if by == PORTAL:
        return gettext("Resident portal")
    if isinstance(by, dict) and by.get("dept"):
        dept = localized(by["dept"])
        return f"{dept} · {by['name']}" if by.get("name") else dept
    return event.actor_name


def department_by(department: Any, name: str) -> dict[str, Any]:
    """The `by` parameter of an entry a department made through its link."""
    return {"dept": names(department), "name": name.strip()}
