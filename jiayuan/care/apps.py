from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CareConfig(AppConfig):
    name = "jiayuan.care"
    verbose_name = _("Visits and care")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from jiayuan.care import receivers
        from jiayuan.registry import signals

        signals.household_moved.connect(receivers.household_moved,
                                        dispatch_uid="care.household_moved")
