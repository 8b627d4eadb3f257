"""Forms of the must-visit pages: the station head's settings, the festival
calendar, and the period of the statistics."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jiayuan.care.duties.services import CALENDAR_FESTIVALS, calendar_years
from jiayuan.care.models import CareSettings
from jiayuan.desk.catalogue.forms import PeriodForm
from jiayuan.desk.selectors import repeat_threshold

DAYS_MIN, DAYS_MAX = 1, 366
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATE_INVALID = _("Enter a real date such as 2026-09-25.")

#: The settings form in parts, one per rule, in the order the stations list them.
SETTINGS_GROUPS: tuple[tuple[Any, tuple[str, ...]], ...] = (
    (_("Open dispute"), ("dispute_due", "dispute_every")),
    (_("Serious illness"), ("illness_due", "illness_every")),
    (_("Repeated unresolved requests"), ("repeat_due", "repeat_every", "repeat_open")),
    (_("Hardship"), ("hardship_due", "hardship_every")),
    (_("Disability"), ("disability_due", "disability_every")),
    (_("Festival"), ("festival_lead",)),
    (_("Mediation"), ("dispute_followup",)),
)


def repeat_window_help(community_id: int | None = None) -> str:
    """Rule 3's repeat window is the desk's: a case is flagged as a repeat when
    it is opened, and the household file and the duty must agree on what
    "again" means, so this page does not change it."""
    return gettext("The repeat window is %(days)d days: a deployment setting, "
                   "DESK_REPEAT_DAYS, which the service desk also uses and which is not "
                   "changed on this page.") % {"days": repeat_threshold(community_id).days}


#: The repeat threshold is the desk's (desk.models.DeskSettings), one value for
#: the desk's flag and this duty; the page shows and saves it with the rest
#: (services.settings_save hands it to desk).
REPEAT_OPEN_LABEL = _("repeated requests: unresolved requests that raise a duty")
REPEAT_OPEN_HELP = _("A household with this many unresolved requests at once, or the same "
                     "request again within the desk's repeat window, is owed a visit.")
FIELDS = (*CareSettings.EDITABLE, "repeat_open")


class CareSettingsForm(forms.ModelForm):
    """The must-visit parameters of one community. Saved through
    services.settings_save (which audits), never with form.save()."""

    class Meta:
        model = CareSettings
        fields = CareSettings.EDITABLE

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        community_id = self.instance.community_id
        for name in FIELDS:
            if name == "repeat_open":
                label, help_text = REPEAT_OPEN_LABEL, REPEAT_OPEN_HELP
            else:
                model_field = CareSettings._meta.get_field(name)
                label, help_text = model_field.verbose_name, model_field.help_text
            if name == "repeat_open":
                message = _("Give a number of requests from %(min)d to %(max)d.")
            else:
                message = _("Give a number of days from %(min)d to %(max)d.")
            message = message % {"min": DAYS_MIN, "max": DAYS_MAX}
            if name == "repeat_open":
                help_text = format_lazy("{} {}", help_text, repeat_window_help(community_id))
            self.fields[name] = forms.IntegerField(
                label=label, help_text=help_text,
                min_value=DAYS_MIN, max_value=DAYS_MAX,
                widget=forms.NumberInput(attrs={"min": DAYS_MIN, "max": DAYS_MAX,
                                                "inputmode": "numeric"}),
                error_messages={"required": message, "invalid": message,
                                "min_value": message, "max_value": message})
        self.initial.setdefault("repeat_open", repeat_threshold(community_id).open)

    def groups(self) -> list[tuple[Any, list[forms.BoundField]]]:
        return [(title, [self[name] for name in names]) for title, names in SETTINGS_GROUPS]

    def values(self) -> dict[str, int]:
        return {name: self.cleaned_data[name] for name in FIELDS}


class FestivalDateForm(forms.Form):
    """A day on the station's festival calendar."""

    festival = forms.ChoiceField(
        label=_("Festival"),
        choices=[("", "---------"), *CALENDAR_FESTIVALS],
        error_messages={"required": _("Choose the festival."),
                        "invalid_choice": _("Choose a festival from the list.")})
    date = forms.DateField(label=_("Date"), widget=DATE_WIDGET, input_formats=["%Y-%m-%d"],
                           error_messages={"required": _("Give the day of the festival."),
                                           "invalid": DATE_INVALID})
    note = forms.CharField(label=_("Note"), max_length=200, required=False,
                           help_text=_("Where the date comes from, e.g. announced by the "
                                       "Islamic Association."))

    def clean_date(self) -> date:
        day = self.cleaned_data["date"]
        first, last = calendar_years()
        if not first <= day.year <= last:
            raise forms.ValidationError(
                _("The calendar keeps the years %(first)d to %(last)d: check the year."),
                params={"first": first, "last": last}, code="year")
        return day


@dataclass(frozen=True)
class DutyPeriod:
    first_day: date
    last_day: date  # inclusive

    @property
    def since(self) -> date:
        return self.first_day

    @property
    def until(self) -> date:  # exclusive, as selectors.duty_counts wants it
        return self.last_day + timedelta(days=1)


class DutyPeriodForm(PeriodForm):
    """The period of the statistics: duties whose due date falls in it, which
    may lie ahead (this month's duties not yet due)."""

    PERIODS = PeriodForm.PERIODS[:3]  # this month, last month, this year

    # Longer than this is a typing mistake, and a slow page.
    MAX_DAYS = 3 * 366

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("since", "until"):
            self.fields[name].input_formats = ["%Y-%m-%d"]
            self.fields[name].error_messages["invalid"] = DATE_INVALID

    def clean_span(self, since: date | None, until: date | None, today: date) -> None:
        if since and not until and since > today:
            self.add_error("until", _("The first day is after today: give the last day too."))
        elif since and ((until or today) - since).days >= self.MAX_DAYS:
            self.add_error("until", _("Choose a period of at most three years."))

    @property
    def is_custom(self) -> bool:
        return bool(self.data.get("since") or self.data.get("until"))

    def get_period(self, today: date | None = None) -> DutyPeriod:
        """Call after is_valid()."""
        today = today or timezone.localdate()
        data = self.cleaned_data
        if data.get("since"):
            return DutyPeriod(data["since"], data.get("until") or today)
        code = data.get("period") or "this_month"
        if code == "last_month":
            last = today.replace(day=1) - timedelta(days=1)
            return DutyPeriod(last.replace(day=1), last)
        if code == "this_year":
            return DutyPeriod(today.replace(month=1, day=1), today.replace(month=12, day=31))
        first = today.replace(day=1)
        next_month = (first + timedelta(days=32)).replace(day=1)
        return DutyPeriod(first, next_month - timedelta(days=1))
