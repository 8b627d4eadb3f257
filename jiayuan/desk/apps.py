from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeskConfig(AppConfig):
    name = "jiayuan.desk"
    verbose_name = _("Service desk")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # checks: importing it registers the deploy checks.
        from jiayuan.desk import checks, receivers  # noqa: F401
        from jiayuan.registry import signals

        signals.household_moved.connect(receivers.household_moved,
                                        dispatch_uid="desk.household_moved")
