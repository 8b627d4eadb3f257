"""Forms of the catalogue pages (services, categories, departments) and of the
desk statistics page. Input is validated here, with a message naming the problem."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.text import capfirst, format_lazy
from django.utils.translation import gettext_lazy as _
from modeltranslation.utils import build_localized_fieldname

from jiayuan.desk.models import Department, ServiceCategory, ServiceItem
from jiayuan.desk.services.catalogue import MAX_RESOLUTION_DAYS, MAX_RESPONSE_HOURS, check_targets
from jiayuan.desk.translation import localized

LANGS = [code for code, _name in settings.LANGUAGES]
DEFAULT_LANG = settings.MODELTRANSLATION_DEFAULT_LANGUAGE

MAX_ORDER = 9999


def order_field() -> forms.IntegerField:
    """Where an item or a category stands in its list."""
    return forms.IntegerField(
        label=capfirst(_("order")), min_value=0, max_value=MAX_ORDER, initial=0,
        help_text=_("Smaller numbers are listed first."),
        error_messages={"invalid": _("Enter a whole number."),
                        "min_value": _("The order cannot be negative."),
                        "max_value": _("At most %(limit_value)s.")})


class TranslatedForm(forms.ModelForm):
    """A ModelForm over modeltranslation's per-language columns: the default
    language (Simplified Chinese) is required, the others optional; each label
    names its language in that language's own script."""

    translated: tuple[str, ...] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names = dict(settings.LANGUAGES)
        for base in self.translated:
            model_field = self._meta.model._meta.get_field(base)
            required = not model_field.blank
            for lang in LANGS:
                name = build_localized_fieldname(base, lang)
                field = self.fields[name]
                field.label = format_lazy("{} ({})", capfirst(model_field.verbose_name),
                                          names[lang])
                field.required = required and lang == DEFAULT_LANG
                field.help_text = model_field.help_text if lang == DEFAULT_LANG else ""
                if lang != DEFAULT_LANG:
                    field.help_text = _("Optional: left empty, the Simplified Chinese text "
                                        "is shown.")
                if required and lang == DEFAULT_LANG:
                    field.error_messages["required"] = _(
                        "Give the Simplified Chinese text: it is shown whenever a "
                        "translation is missing.")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        self.instance.open311_hidden = not data.get("open311_published", False)
        for name, value in list(data.items()):
            if isinstance(value, str):
                data[name] = value.strip()
        return data


class CodeMixin:
    """The code is chosen once: other records and imports refer to it."""

    def _lock_code(self) -> None:
        if self.instance.pk:
            self.fields["code"].disabled = True
            self.fields["code"].help_text = _("The code cannot be changed.")
        else:
            self.fields["code"].help_text = _(
                "Letters, digits and hyphens, e.g. school-place. Cannot be changed later.")
            self.fields["code"].error_messages["unique"] = _("This code is already in use.")


def _target_field(label: Any, unit_invalid: Any, low: Any, high: Any, maximum: int,
                  help_text: Any) -> forms.IntegerField:
    return forms.IntegerField(label=label, min_value=1, max_value=maximum, help_text=help_text,
                              error_messages={"invalid": unit_invalid, "min_value": low,
                                              "max_value": high,
                                              "required": _("Give a target.")})


class ServiceItemForm(CodeMixin, TranslatedForm):
    translated = ("name", "description", "documents")

    response_hours = _target_field(
        capfirst(ServiceItem._meta.get_field("response_hours").verbose_name),
        _("Enter a whole number of hours, e.g. 24."),
        _("The first response needs at least 1 hour."),
        _("At most %(limit_value)s hours (30 days): longer is not a response target."),
        MAX_RESPONSE_HOURS, _("Urgent and green-channel requests get the urgent target "
                              "instead, if shorter."))
    resolution_days = _target_field(
        capfirst(ServiceItem._meta.get_field("resolution_days").verbose_name),
        _("Enter a whole number of days, e.g. 15."),
        _("Resolution needs at least 1 day."),
        _("At most %(limit_value)s days (a year)."),
        MAX_RESOLUTION_DAYS, _("Green-channel requests get half of this."))
    order = order_field()
    # The form asks the positive question, so that a form sent without the box
    # (unticked, or by a script) leaves the service hidden, never published.
    open311_published = forms.BooleanField(
        label=_("published over Open311"), required=False,
        help_text=_("City platforms and apps may list this service, file requests for it "
                    "and read their status through Open311. Leave unticked for sensitive "
                    "services (disputes, legal aid, counselling): the portal still "
                    "offers them."))

    class Meta:
        model = ServiceItem
        fields = ["code", *localized("name"), "category", "department", "response_hours",
                  "resolution_days", "green_channel", "onsite_required", "active", "order",
                  *localized("description"), *localized("documents")]
        widgets = {**{f: forms.Textarea(attrs={"rows": 3})
                      for f in localized("description", "documents")}}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._lock_code()
        self.fields["open311_published"].initial = not self.instance.open311_hidden
        self.fields["category"].empty_label = None
        # Only departments still in use, and the item's own even if retired.
        departments = Department.objects.filter(active=True)
        if self.instance.department_id:
            departments = Department.objects.filter(active=True) | Department.objects.filter(
                pk=self.instance.department_id)
        self.fields["department"].queryset = departments.order_by("kind", "code")
        self.fields["department"].empty_label = _("(none: the station handles it)")
        for name in localized("documents"):
            if name.endswith(DEFAULT_LANG.replace("-", "_")):
                self.fields[name].help_text = _("One per line.")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        # The service's check (services.catalogue.check_targets), after the fields'.
        if not {"response_hours", "resolution_days"} & set(self.errors):
            for field, message in check_targets(data.get("response_hours"),
                                                data.get("resolution_days")).items():
                self.add_error(field, message)
        return data


class CategoryForm(CodeMixin, TranslatedForm):
    translated = ("name",)

    order = order_field()

    class Meta:
        model = ServiceCategory
        fields = ["code", *localized("name"), "order"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._lock_code()


class DepartmentForm(CodeMixin, TranslatedForm):
    translated = ("name", "handles")

    class Meta:
        model = Department
        fields = ["code", *localized("name"), "kind", *localized("handles"), "contact_name",
                  "phone", "email", "active"]
        widgets = {f: forms.Textarea(attrs={"rows": 3}) for f in localized("handles")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._lock_code()
        self.fields["phone"].help_text = _("Mobile (11 digits) or landline with area code.")
        self.fields["email"].error_messages["invalid"] = _(
            "Enter an e-mail address such as office@example.org.")

    def clean_phone(self) -> str:
        from jiayuan.lib.phone import PhoneError, normalize_phone

        phone = self.cleaned_data.get("phone", "").strip()
        if not phone:
            return ""
        try:
            return normalize_phone(phone)
        except PhoneError as exc:
            raise forms.ValidationError(str(exc)) from exc


# --- statistics ----------------------------------------------------------------

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATE_INVALID = _("Enter a date such as 2026-03-01.")


@dataclass(frozen=True)
class Period:
    since: datetime
    until: datetime  # exclusive
    first_day: date
    last_day: date  # inclusive, for display


def _start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


class PeriodForm(forms.Form):
    """The statistics period: a named one (links on the page), or two dates
    (their own form; they win if a hand-made address has both)."""

    PERIODS = [
        ("this_month", _("This month")),
        ("last_month", _("Last month")),
        ("this_year", _("This year")),
        ("last_365", _("Last 365 days")),
    ]

    period = forms.ChoiceField(label=_("Period"), choices=PERIODS, required=False,
                               error_messages={"invalid_choice": _("Choose a period from "
                                                                   "the list.")})
    since = forms.DateField(label=_("From"), required=False, widget=DATE,
                            error_messages={"invalid": DATE_INVALID})
    until = forms.DateField(label=_("To"), required=False, widget=DATE,
                            error_messages={"invalid": DATE_INVALID},
                            help_text=_("Inclusive. Empty: today."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["period"].choices = self.PERIODS  # subclasses offer their own

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if "since" in self.errors or "until" in self.errors:
            return data
        if until and not since:
            self.add_error("since", _("Give the first day of the period too."))
        elif since and until and since > until:
            self.add_error("until", _("The last day (%(until)s) is before the first day "
                                      "(%(since)s).") % {"since": since.isoformat(),
                                                         "until": until.isoformat()})
        else:
            self.clean_span(since, until, timezone.localdate())
        return data

    def clean_span(self, since: date | None, until: date | None, today: date) -> None:
        """Past periods only: cases are counted up to now."""
        if since and since > today:
            self.add_error("since", _("The first day is in the future: there is nothing "
                                      "to count yet."))

    def get_period(self, now: datetime | None = None) -> Period:
        """Call after is_valid()."""
        now = now or timezone.now()
        today = timezone.localdate(now)
        data = self.cleaned_data
        if data.get("since"):
            first = data["since"]
            last = min(data.get("until") or today, today)
            return Period(_start(first), min(_start(last + timedelta(days=1)), now), first,
                          last)
        code = data.get("period") or "this_month"
        if code == "last_month":
            last = today.replace(day=1) - timedelta(days=1)
            first = last.replace(day=1)
            return Period(_start(first), _start(last + timedelta(days=1)), first, last)
        if code == "this_year":
            first = today.replace(month=1, day=1)
        elif code == "last_365":
            first = today - timedelta(days=364)
        else:
            first = today.replace(day=1)
        return Period(_start(first), now, first, today)

