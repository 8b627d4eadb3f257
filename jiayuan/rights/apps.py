from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RightsConfig(AppConfig):
    """Residents' rights over their data (PIPL art. 44-47) and retention: a
    person's whole record as JSON and PDF, erasure by anonymisation, and the
    periods after which `tick` archives, anonymises or deletes. It reads and
    writes across every domain app, so it stands above them all."""

    name = "jiayuan.rights"
    verbose_name = _("Residents' rights and retention")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from jiayuan.registry import panels as registry_panels
        from jiayuan.rights import erasure, panels

        # The person page offers the resident's record (JSON, PDF) to those who may make it.
        registry_panels.person.register(panels.person_record, order=90)
        # Last on the person page: the erased notice, or the way to erase.
        registry_panels.person.register(erasure.erasure_section, order=95)
