from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeskConfig(AppConfig):
    name = "jiayuan.desk"
    verbose_name = _("Service desk")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from jiayuan.desk import checks  # noqa: F401 - registers the deploy checks
