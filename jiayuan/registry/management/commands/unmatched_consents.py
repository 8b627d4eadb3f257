"""manage.py unmatched_consents: the referral consents that name no department
of the service desk's list.

Before consents named a department from the list, staff typed its name; the
migration linked every name it could match (exactly, folded, or one name
containing the other) and kept the text. What it could not match is listed
here, with the departments the text comes closest to, so the station head can
record the consent again for the right department (person page, or the
referral form's refusal) and withdraw the old one.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from jiayuan.directory.models import Department
from jiayuan.lib.text import fold
from jiayuan.registry.models import Consent


class Command(BaseCommand):
    help = "List referral consents whose department matches none of the department list."

    def handle(self, *args: Any, **options: Any) -> None:
        departments = list(Department.objects.all())
        rows = (Consent.objects.filter(purpose="referral", department__isnull=True)
                .exclude(department_text="").select_related("person")
                .order_by("recorded_on", "pk"))
        count = 0
        for consent in rows.iterator():
            count += 1
            key = fold(consent.department_text)
            near = [d.name for d in departments
                    if key and any(key in fold(n) or fold(n) in key
                                   for n in (d.name_zh_hans, d.name_zh_hant, d.name_en) if n)]
            hint = f" (several match: {', '.join(map(str, near))})" if near else ""
            self.stdout.write(
                f"consent {consent.pk} · person {consent.person_id} · "
                f"{consent.recorded_on.isoformat()} · {consent.department_text!r}{hint}")
        if count:
            self.stdout.write(f"{count} referral consent(s) name no department of the list: "
                              "record each again for the right department and withdraw "
                              "the old one.")
        else:
            self.stdout.write("Every referral consent names a department of the list.")
