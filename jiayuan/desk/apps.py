from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeskConfig(AppConfig):
    name = "jiayuan.desk"
    verbose_name = _("Service desk")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # checks: importing it registers the deploy checks.
        from jiayuan.desk import checks, panels, receivers  # noqa: F401
        from jiayuan.registry import panels as registry_panels
        from jiayuan.registry import signals

        # The registry imports nothing of the desk: the desk follows a moved
        # household and adds its requests to the household and person pages.
        signals.household_moved.connect(receivers.household_moved,
                                        dispatch_uid="desk.household_moved")
        signals.consent_withdrawn.connect(receivers.consent_withdrawn,
                                          dispatch_uid="desk.consent_withdrawn")
        registry_panels.household.register(panels.household_cases, order=10)
        registry_panels.person.register(panels.person_cases, order=10)
