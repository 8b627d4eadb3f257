"""Forms of the public resident portal (no account).

Two cheap defences against scripts, neither of which a person notices:
- a honeypot field (`website`), hidden from sight and labelled "leave empty"
  for screen readers: a filled one means a script, which gets the ordinary
  thank-you page and creates nothing;
- a signed timestamp issued with the form: a submission faster than
  PORTAL_MIN_SECONDS after the form was shown, or older than PORTAL_MAX_AGE,
  is refused with "please try again" (and a fresh form).
The real limit is the rate limit in services.portal_create.
"""

from __future__ import annotations

import time
from typing import Any

from django import forms
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from jiayuan.desk.models import ServiceItem
from jiayuan.lib.phone import PhoneError, normalize_phone

STAMP_SALT = "jiayuan.desk.portal-form"
PORTAL_MIN_SECONDS = 3
PORTAL_MAX_AGE = 2 * 3600
HONEYPOT = "website"
NOT_SURE = ""

TRY_AGAIN = _("This form could not be accepted: it was sent too quickly, or it was open for "
              "more than two hours. Please check your answers and send it again.")


def issue_stamp(now: float | None = None) -> str:
    """The signed time the form was shown (tests pass an earlier `now`)."""
    return signing.dumps({"t": int(now if now is not None else time.time())}, salt=STAMP_SALT)


def stamp_ok(value: str, now: float | None = None) -> bool:
    """True when the stamp is ours and its age is between 3 s and 2 h."""
    try:
        issued = signing.loads(value or "", salt=STAMP_SALT)["t"]
        age = (now if now is not None else time.time()) - float(issued)
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return False
    return PORTAL_MIN_SECONDS <= age <= PORTAL_MAX_AGE


def active_items() -> list[ServiceItem]:
    return list(ServiceItem.objects.filter(active=True)
                .select_related("category", "department"))


def general_item(items: list[ServiceItem] | None = None) -> ServiceItem | None:
    """The item a "not sure" request is filed under, for staff to triage.

    The first active item (in catalogue order) whose code contains "consult",
    preferring one in a policy-consultation category (a category whose code
    contains "policy" or "consult"); failing that, the first active item of the
    catalogue. None when nothing is offered at all.
    """
    items = active_items() if items is None else items
    consult = [i for i in items if "consult" in i.code]

    def in_policy_category(item: ServiceItem) -> bool:
        code = item.category.code
        return "policy" in code or "consult" in code

    preferred = [i for i in consult if in_policy_category(i)]
    for candidates in (preferred, consult, items):
        if candidates:
            return candidates[0]
    return None


def _service_choices(items: list[ServiceItem]) -> list[Any]:
    choices: list[Any] = [(NOT_SURE, _("I am not sure: please advise me"))]
    groups: dict[int, tuple[str, list[tuple[str, str]]]] = {}
    for item in items:
        group = groups.setdefault(item.category_id, (str(item.category.name), []))
        group[1].append((item.code, str(item.name)))
    choices += [(name, options) for name, options in groups.values()]
    return choices


class PortalForm(forms.Form):
    """What every form of the portal has (the desk's request, civic's suggestion,
    engage's sign-up): the honeypot and the timing stamp. The page renders both
    with portal/_form_guard.html; the view reads the form through
    portal.common.gate()."""

    # The honeypot: hidden by CSS, skipped by the keyboard, labelled for screen readers.
    website = forms.CharField(
        label=_("Leave this field empty"), required=False, max_length=200,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}))
    # The signed timestamp ("stamp") is not a field: the view writes a fresh one
    # into every form it shows, and clean() reads it from the raw data.

    @property
    def is_spam(self) -> bool:
        """A filled honeypot (read from the raw data: any other error is beside the point)."""
        return bool(self.is_bound and str(self.data.get(HONEYPOT, "")).strip())

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not stamp_ok(self.data.get("stamp", "")):
            raise ValidationError(TRY_AGAIN, code="stamp")
        return data


class PortalRequestForm(PortalForm):
    service = forms.ChoiceField(
        label=_("Service"), required=False,
        help_text=_("Choose “I am not sure” if none fits: the station will find the right "
                    "help."))
    summary = forms.CharField(
        label=_("What do you need, in one sentence?"), max_length=200,
        error_messages={"required": _("Say in a sentence what you need.")})
    details = forms.CharField(
        label=_("Details (optional)"), required=False, max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Anything that helps the station prepare. Do not write ID numbers or "
                    "bank details here."))
    name = forms.CharField(
        label=_("Your name"), max_length=60,
        error_messages={"required": _("Give your name, so the station knows whom to "
                                      "call.")})
    phone = forms.CharField(
        label=_("Your phone number"), max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        help_text=_("A mobile (11 digits) or a landline with its area code."),
        error_messages={"required": _("Give a phone number, so the station can call you "
                                      "back.")})
    consent = forms.BooleanField(
        label=_("The station may contact me about this request."),
        error_messages={"required": _("Tick this box: without it the station cannot call "
                                      "you back about your request.")})
    def __init__(self, *args: Any, items: list[ServiceItem] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.items = active_items() if items is None else items
        self.fields["service"].choices = _service_choices(self.items)

    @property
    def visible(self) -> list[forms.BoundField]:
        return [self[name] for name in ("service", "summary", "details", "name", "phone",
                                        "consent")]

    def clean_summary(self) -> str:
        value = self.cleaned_data["summary"].strip()
        if not value:
            raise ValidationError(_("Say in a sentence what you need."), code="required")
        return value

    def clean_name(self) -> str:
        value = self.cleaned_data["name"].strip()
        if not value:
            raise ValidationError(_("Give your name, so the station knows whom to call."),
                                  code="required")
        return value

    def clean_phone(self) -> str:
        try:
            return normalize_phone(self.cleaned_data["phone"])
        except PhoneError as err:
            raise ValidationError(err.message, code=err.code) from err

    def clean_service(self) -> ServiceItem:
        code = self.cleaned_data.get("service") or NOT_SURE
        if code == NOT_SURE:
            item = general_item(self.items)
        else:
            item = next((i for i in self.items if i.code == code), None)
        if item is None:
            raise ValidationError(_("This service is not offered through the portal. "
                                    "Choose another, or “I am not sure”."), code="invalid")
        return item


class StatusLookupForm(forms.Form):
    ref = forms.CharField(label=_("Reference number"), max_length=24,
                          widget=forms.TextInput(attrs={"autocomplete": "off",
                                                        "placeholder": "ZJJ-2026-00123"}))
    code = forms.CharField(label=_("Code"), max_length=40,
                           widget=forms.TextInput(attrs={"autocomplete": "off",
                                                         "spellcheck": "false"}),
                           help_text=_("The code you were given with the reference number."))

    def clean_ref(self) -> str:
        return self.cleaned_data["ref"].strip()

    def clean_code(self) -> str:
        return self.cleaned_data["code"].strip()
