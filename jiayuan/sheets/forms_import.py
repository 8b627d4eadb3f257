"""The import pages' forms: the upload, and the column mapping of a draft batch.

Only the account's own grids and its community's templates are offered; a
forged grid, template or field name is an error on its field, never a 500.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jiayuan.core.models import User
from jiayuan.core.scope import grids_for
from jiayuan.lib._i18n import interpolate
from jiayuan.lib.forms import IdModelChoiceField
from jiayuan.places.forms import GridChoiceField
from jiayuan.places.models import Grid
from jiayuan.sheets.columns import FIELDS
from jiayuan.sheets.models import MappingTemplate
from jiayuan.sheets.services import (
    duplicate_fields,
    duplicate_message,
    no_name_message,
    template_taken,
    template_taken_message,
)

ACCEPT = ".xlsx,.xls,.ods,.csv,.txt"


def max_megabytes() -> str:
    mb = settings.IMPORT_MAX_BYTES / (1024 * 1024)
    return f"{mb:.0f}" if mb >= 10 or mb == int(mb) else f"{mb:.1f}"


def too_large_message() -> str:
    return interpolate(gettext("The file is larger than %(mb)s MB. Split the roster into "
                               "several files (for example one per building) and import "
                               "them one by one."), {"mb": max_megabytes()})


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Roster file"), widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
        error_messages={"required": _("Choose the roster file to upload."),
                        "empty": _("The file is empty. Choose the saved roster file.")})
    grid = GridChoiceField(
        label=_("Grid"), queryset=Grid.objects.none(),
        error_messages={"required": _("Choose the grid these residents live in."),
                        "invalid_choice": _("That grid is not one of yours: choose one from "
                                            "the list.")},
        help_text=_("Rows without a grid column are imported into this grid."))
    template = IdModelChoiceField(
        label=_("Column template"), queryset=MappingTemplate.objects.none(), required=False,
        empty_label=_("Recognise the columns from their names"),
        error_messages={"invalid_choice": _("That template does not exist (any more): "
                                            "choose one from the list.")},
        help_text=_("A template saved from an earlier import of a roster laid out the same "
                    "way."))

    def __init__(self, *args: Any, actor: User, too_large: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        grids = grids_for(actor).filter(community_id=actor.community_id)
        self.fields["grid"].queryset = grids
        if len(grids) == 1:
            self.fields["grid"].initial = grids[0].pk
            self.fields["grid"].empty_label = None
        templates = MappingTemplate.objects.filter(community_id=actor.community_id)
        self.fields["template"].queryset = templates
        if not templates.exists():
            del self.fields["template"]
        if too_large:
            # The upload handler dropped the file on the way in (see views_import).
            self.fields["file"].error_messages["required"] = too_large_message()
        self.fields["file"].help_text = interpolate(
            gettext("Excel (.xlsx, .xls), WPS or LibreOffice (.ods) or CSV; at most %(mb)s MB "
                    "and %(rows)s rows. Nothing is saved to the registry until you have "
                    "checked the result and pressed Import."),
            {"mb": max_megabytes(), "rows": f"{settings.IMPORT_MAX_ROWS:,}"})

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > settings.IMPORT_MAX_BYTES:
            raise forms.ValidationError(too_large_message(), code="too_large")
        return upload


def field_choices() -> list[tuple[str, str]]:
    return [("", _("— do not import —")), *((key, f.label) for key, f in FIELDS.items())]


class MappingForm(forms.Form):
    """One select per column of the file's header (`col_<index>`), the consent
    evidence for the ethnic group, and an optional template name to save."""

    consent_evidence = forms.CharField(
        label=_("How did these residents consent to their ethnic group being recorded?"),
        required=False, max_length=200,
        help_text=_("For example “signed the 2026 registration form”. Leave it empty and the "
                    "ethnic group column is not imported: it is sensitive and is recorded "
                    "only with consent."))
    template_name = forms.CharField(
        label=_("Save this mapping as a template named"), required=False, max_length=60,
        help_text=_("Optional. Next time, choose the template when you upload a roster laid "
                    "out the same way. Saving under the name of one of your templates "
                    "updates it."))

    def __init__(self, *args: Any, header: list[str], samples: list[str],
                 mapping: dict[int, str], actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.header = header
        self.columns: list[dict[str, Any]] = []
        choices = field_choices()
        for i, text in enumerate(header):
            name = f"col_{i}"
            self.fields[name] = forms.ChoiceField(
                label=text, choices=choices, required=False, initial=mapping.get(i, ""),
                error_messages={"invalid_choice": _("“%(value)s” is not a field of the "
                                                    "registry: choose one from the list.")})
            self.columns.append({"index": i, "header": text,
                                 "sample": samples[i] if i < len(samples) else "",
                                 "name": name})

    def bound_columns(self) -> list[dict[str, Any]]:
        return [{**c, "field": self[c["name"]]} for c in self.columns]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        # The rules are the service's (sheets.services.check_mapping); here they
        # speak of the header as the page shows it.
        chosen = {c["index"]: data[c["name"]] for c in self.columns if data.get(c["name"])}
        for index, key, other in duplicate_fields(chosen):
            self.add_error(f"col_{index}", duplicate_message(key, self.header[other]))
        if not self.errors and "name" not in chosen.values():
            raise forms.ValidationError(no_name_message(), code="no_name")
        name = (data.get("template_name") or "").strip()
        if name:
            taken = template_taken(self.actor, name)
            if taken is not None:
                self.add_error("template_name", template_taken_message(taken, name))
        data["template_name"] = name
        data["consent_evidence"] = (data.get("consent_evidence") or "").strip()
        return data

    def mapping(self) -> dict[int, str]:
        return {c["index"]: self.cleaned_data[c["name"]] for c in self.columns
                if self.cleaned_data.get(c["name"])}
