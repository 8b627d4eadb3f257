from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CareConfig(AppConfig):
    name = "jiayuan.care"
    verbose_name = _("Visits and care")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from jiayuan.care import panels, receivers
        from jiayuan.registry import panels as registry_panels
        from jiayuan.registry import signals

        # The registry imports nothing of care: care follows a moved household
        # and adds its duties, visits, disputes and pairings to the household page
        # and its contact visits and disputes to the business page.
        signals.household_moved.connect(receivers.household_moved,
                                        dispatch_uid="care.household_moved")
        registry_panels.household.register(panels.household_care, order=20)
        registry_panels.business.register(panels.business_care, order=20)
