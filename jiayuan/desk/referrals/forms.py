"""Forms for referrals: the staff form that sends a case to a department, the
withdraw form, and the two forms of the department's public reply page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jiayuan.desk.choices import DepartmentKind
from jiayuan.desk.models import Department


class ReferralForm(forms.Form):
    """Send a case to a department. `consents` maps a department's pk to the
    requester's consent on record for it (or None), so each option says whether
    sharing is covered before the worker chooses."""

    department = forms.ChoiceField(label=_("Department or partner"))
    message = forms.CharField(
        label=_("What the station asks the department"), max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Only what the department needs to act. It is printed on the letter "
                    "and shown on the department's reply page."))
    share_contact = forms.BooleanField(
        label=_("Share the resident's name and phone with the department"), required=False,
        initial=True)
    override_reason = forms.CharField(
        label=_("Reason for sharing without consent"), required=False, max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only when no consent is on record for the chosen department. Your "
                    "reason is recorded in the audit log."))
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, departments: list[Department],
                 consents: dict[int, Any], can_override: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.departments = {d.pk: d for d in departments}
        groups: dict[str, list[tuple[str, str]]] = {}
        for d in departments:
            consent = consents.get(d.pk)
            if consent is not None:
                note = _("consent on record (%(date)s)") % {
                    "date": consent.recorded_on.isoformat()}
            else:
                note = _("no consent on record")
            groups.setdefault(d.kind, []).append((str(d.pk), f"{d.name} · {note}"))
        labels = dict(DepartmentKind.choices)
        self.fields["department"].choices = [("", "———")] + [
            (labels.get(kind, kind), options) for kind, options in groups.items()]
        if not can_override:
            del self.fields["override_reason"]

    def clean_department(self) -> Department:
        value = self.cleaned_data["department"]
        department = self.departments.get(int(value)) if str(value).isdigit() else None
        if department is None:
            raise forms.ValidationError(_("Choose a department from the list."))
        return department


class ConsentFromRefusalForm(forms.Form):
    """Offered by the refusal "no consent on record": the consent's evidence, to
    record it for the chosen department and send the referral in one step."""

    evidence = forms.CharField(
        label=_("How the resident consented"), max_length=300,
        help_text=_("E.g. signed form no. 2026-041, or verbally at the desk with a witness."),
        error_messages={"required": _("Say how the resident consented.")})


class WithdrawReferralForm(forms.Form):
    reason = forms.CharField(label=_("Why the referral is withdrawn"), max_length=300,
                             error_messages={"required": _("Say why, in a sentence.")})


class AcknowledgeForm(forms.Form):
    name = forms.CharField(
        label=_("Your name"), max_length=60,
        error_messages={"required": _("Give your name, so the station can call back.")})


class AnswerForm(forms.Form):
    name = forms.CharField(
        label=_("Your name"), max_length=60,
        error_messages={"required": _("Give your name, so the station can call back.")})
    answer = forms.CharField(
        label=_("The department's answer"), max_length=4000,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("Write the department's answer.")})
