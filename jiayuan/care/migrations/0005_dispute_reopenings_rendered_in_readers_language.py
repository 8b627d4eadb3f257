"""A dispute's reopening used to be written into its outcome note as
"Reopened: <reason>" in the language of whoever reopened it. It is now the mark
care.choices.REOPENED_MARK and the reason, rendered in the reader's language;
this converts the lines already written (in any of the three languages).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import migrations
from django.utils import translation
from django.utils.translation import gettext, pgettext

MARK = "[reopened] "  # frozen copy of care.choices.REOPENED_MARK


def _prefixes() -> set[str]:
    out = {"Reopened: "}
    for lang, _label in settings.LANGUAGES:
        with translation.override(lang):
            out |= {f"{gettext('Reopened')}: ", f"{pgettext('dispute', 'Reopened')}: "}
    return out


def forwards(apps: Any, schema_editor: Any) -> None:
    Dispute = apps.get_model("care", "Dispute")
    prefixes = sorted(_prefixes(), key=len, reverse=True)
    for dispute in Dispute.objects.exclude(outcome_note="").iterator():
        lines = dispute.outcome_note.split("\n")
        new = []
        for line in lines:
            prefix = next((p for p in prefixes if line.startswith(p)), None)
            new.append(MARK + line[len(prefix):] if prefix else line)
        if new != lines:
            dispute.outcome_note = "\n".join(new)
            dispute.save(update_fields=["outcome_note"])


def backwards(apps: Any, schema_editor: Any) -> None:
    Dispute = apps.get_model("care", "Dispute")
    with translation.override(settings.LANGUAGE_CODE):
        prefix = f"{pgettext('dispute', 'Reopened')}: "
    for dispute in Dispute.objects.filter(outcome_note__contains=MARK).iterator():
        dispute.outcome_note = "\n".join(
            prefix + line[len(MARK):] if line.startswith(MARK) else line
            for line in dispute.outcome_note.split("\n"))
        dispute.save(update_fields=["outcome_note"])


class Migration(migrations.Migration):

    dependencies = [
        ("care", "0004_pairing_planned_end"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
    ]
