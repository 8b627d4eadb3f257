from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CivicConfig(AppConfig):
    name = "jiayuan.civic"
    verbose_name = _("Deliberation")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from jiayuan.civic import panels
        from jiayuan.desk.cases import sections
        from jiayuan.registry import panels as registry_panels

        # Neither the registry nor the desk imports civic: a person's file
        # lists the meetings they attended, a case the decisions it carries.
        registry_panels.person.register(panels.person_meetings, order=40)
        sections.case.register(panels.case_decisions, order=10)
