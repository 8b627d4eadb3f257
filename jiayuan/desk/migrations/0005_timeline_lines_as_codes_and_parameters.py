"""Existing timeline entries: system lines stored as translated text become a
code and parameters, rendered in the reader's language (jiayuan.desk.timeline).

Each entry's text is matched against every known message in each of the three
languages (the translations as they are now: the msgids below are frozen
copies); names are matched against the catalogue so they render in the
reader's language too. What matches nothing (a note, a reason, a department's
answer, a line from a translation since changed) stays as plain text, as it
was. The portal and departments as authors get the same treatment.
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.db import migrations
from django.utils import translation
from django.utils.translation import gettext

MESSAGES = {
    "received": "Request received: %(item)s",
    "owner": "Owner: %(name)s",
    "duplicate": "Same request as %(ref)s.",
    "followup_reached": "Reached the resident; satisfaction %(n)d/5.",
    "followup_unreached": "Could not reach the resident (attempt %(n)d of %(max)d).",
    "closed_unanswered": "Closed after %(n)d unanswered calls.",
    "referred": "Referred to %(dept)s.",
    "referral_withdrawn": "Referral to %(dept)s withdrawn: %(reason)s",
    "dept_acknowledged": "The department acknowledged the referral.",
    "dept_answered": "The department has answered.",
    "no_department_left": "No department is left to wait on.",
    "sla_response": "First response target missed (due %(due)s).",
    "sla_resolution": "Resolution target missed (due %(due)s).",
}
# The kind of entry each message was written on: a line typed by a person on
# another kind of entry is never taken for one.
KINDS = {
    "received": "created", "owner": "assigned", "duplicate": "status",
    "followup_reached": "follow_up", "followup_unreached": "follow_up",
    "closed_unanswered": "status", "referred": "referral", "referral_withdrawn": "referral",
    "dept_acknowledged": "reply", "dept_answered": "status", "no_department_left": "status",
    "sla": "sla",
}
# Messages a comment typed by a person may follow, after a space.
WITH_COMMENT = {"followup_reached", "followup_unreached"}
OUTCOMES = {
    "job": "Job found", "school_place": "School place", "housing": "Housing",
    "subsidy": "Subsidy granted", "social_security": "Social security arranged",
    "certificate": "Certificate or permit issued", "answered": "Question answered",
    "mediated": "Dispute mediated", "referred": "Referred and taken up",
    "not_helped": "Could not help",
}
EDITABLE = ("item", "summary", "details", "priority", "needs_onsite", "owner", "grid",
            "person", "household", "due", "response_due")
PORTAL_NAME = "Resident portal"
NOBODY = "(nobody)"
LANGS = [code for code, _label in settings.LANGUAGES]


def _in_each_language(msgid: str) -> set[str]:
    out = {msgid}
    for lang in LANGS:
        with translation.override(lang):
            out.add(gettext(msgid))
    return out


def _pattern(template: str) -> str:
    out = re.escape(template)
    out = re.sub(r"%\\\((\w+)\\\)d", r"(?P<\1>\\d+)", out)
    return re.sub(r"%\\\((\w+)\\\)s", r"(?P<\1>.+?)", out)


def _compile() -> list[tuple[str, re.Pattern[str]]]:
    patterns = []
    for code, msgid in MESSAGES.items():
        if code not in KINDS:
            continue  # a part of a composed line (below)
        tail = r"(?: (?P<comment>.*))?" if code in WITH_COMMENT else ""
        for text in _in_each_language(msgid):
            patterns.append((code, re.compile(f"^{_pattern(text)}{tail}$", re.S)))
    # A missed-target line holds one or both messages, joined by a space.
    for lang in [None, *LANGS]:
        with translation.override(lang):
            first = _pattern(gettext(MESSAGES["sla_response"])).replace("due>", "response>")
            second = _pattern(gettext(MESSAGES["sla_resolution"])).replace("due>",
                                                                         "resolution>")
        patterns.append(("sla", re.compile(f"^(?:{first})?(?: ?{second})?$", re.S)))
    return patterns


def _names(obj: Any) -> dict[str, str]:
    out = {lang: getattr(obj, f"name_{lang.replace('-', '_')}", None) for lang in LANGS}
    return {k: v for k, v in out.items() if v}


def _catalogue_name(value: str, objects: list[Any]) -> Any:
    """{language: name} of the catalogue entry with this name in any language,
    else the name as it was written."""
    for obj in objects:
        if value in _names(obj).values():
            return _names(obj)
    return value


def _labels(msgids: dict[str, str]) -> dict[str, str]:
    """Translated label (each language) -> code."""
    return {text: code for code, msgid in msgids.items() for text in _in_each_language(msgid)}


def _resolved(text: str, outcomes: dict[str, str]) -> dict[str, Any] | None:
    for label in sorted(outcomes, key=len, reverse=True):
        m = re.fullmatch(re.escape(label) + r"(?: × (?P<q>\d+))?(?:\. (?P<note>.*))?",
                         text, re.S)
        if m:
            return {"outcome": outcomes[label],
                    "quantity": int(m["q"]) if m["q"] else None, "note": m["note"] or ""}
    return None


def _edited(text: str, fields: dict[str, str]) -> dict[str, Any] | None:
    parts = text.split(", ")
    if parts and all(p in fields for p in parts):
        return {"fields": [fields[p] for p in parts]}
    return None


def forwards(apps: Any, schema_editor: Any) -> None:
    CaseEvent = apps.get_model("desk", "CaseEvent")
    Case = apps.get_model("desk", "Case")
    ServiceItem = apps.get_model("desk", "ServiceItem")
    Department = apps.get_model("desk", "Department")
    items, departments = list(ServiceItem.objects.all()), list(Department.objects.all())
    patterns = _compile()
    outcomes = _labels(OUTCOMES)
    fields = _labels({f: str(Case._meta.get_field(f).verbose_name) for f in EDITABLE})
    portal, nobody = _in_each_language(PORTAL_NAME), _in_each_language(NOBODY)
    dept_names = sorted(((n, d) for d in departments for n in _names(d).values()),
                        key=lambda pair: len(pair[0]), reverse=True)
    for event in CaseEvent.objects.filter(code="").iterator(chunk_size=2000):
        changed = False
        params: dict[str, Any] = {}
        if not event.actor_id and event.actor_name in portal:
            params["by"], event.actor_name = "portal", ""
        elif not event.actor_id and event.actor_name:
            for name, dept in dept_names:
                if event.actor_name == name or event.actor_name.startswith(name + " · "):
                    params["by"] = {"dept": _names(dept),
                                    "name": event.actor_name[len(name) + 3:]}
                    break
        code, found = "", None
        text = event.text
        if text:
            if event.kind == "edited":
                found = _edited(text, fields)
                code = "edited" if found else ""
            elif event.kind == "status" and event.to_status == "resolved":
                found = _resolved(text, outcomes)
                code = "resolved" if found else ""
            if not code:
                for candidate, pattern in patterns:
                    m = pattern.match(text) if KINDS[candidate] == event.kind else None
                    if m is None or (candidate == "sla" and not any(m.groupdict().values())):
                        continue
                    code = candidate
                    found = {k: v for k, v in m.groupdict().items() if v is not None}
                    break
        if code:
            for key in ("n", "max"):
                if key in found:
                    found[key] = int(found[key])
            if "item" in found:
                found["item"] = _catalogue_name(found["item"], items)
            if "dept" in found:
                found["dept"] = _catalogue_name(found["dept"], departments)
            if code == "owner" and found.get("name") in nobody:
                found["name"] = None
            params.update(found)
            event.code, event.text = code, ""
            changed = True
        if params:
            event.params = {**event.params, **params}
            changed = True
        if changed:
            event.save(update_fields=["code", "text", "params", "actor_name"])


def backwards(apps: Any, schema_editor: Any) -> None:
    """Write the lines back as text in the station's language."""
    from jiayuan.desk import timeline

    CaseEvent = apps.get_model("desk", "CaseEvent")
    with translation.override(settings.LANGUAGE_CODE):
        for event in CaseEvent.objects.exclude(code="", params={}).iterator(chunk_size=2000):
            if event.code:
                event.text = timeline.event_text(event)
            by = event.params.get("by")
            if by == "portal":
                event.actor_name = gettext(PORTAL_NAME)
            event.code, event.params = "", {}
            event.save(update_fields=["code", "text", "params", "actor_name"])


class Migration(migrations.Migration):

    dependencies = [
        ("desk", "0004_caseevent_code_params"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
    ]
