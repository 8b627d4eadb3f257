from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EngageConfig(AppConfig):
    name = "jiayuan.engage"
    verbose_name = _("Participation")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from jiayuan.engage import panels, receivers
        from jiayuan.registry import panels as registry_panels
        from jiayuan.registry import signals

        # The registry does not import engage: engage follows a moved household
        # (its volunteers, sign-ups and liaison areas), and a resident's file
        # shows their roles and this year's hours when they volunteer.
        signals.household_moved.connect(receivers.household_moved,
                                        dispatch_uid="engage.household_moved")
        registry_panels.person.register(panels.person_volunteer, order=45)
