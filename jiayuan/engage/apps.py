from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EngageConfig(AppConfig):
    name = "jiayuan.engage"
    verbose_name = _("Participation")
    default_auto_field = "django.db.models.BigAutoField"
