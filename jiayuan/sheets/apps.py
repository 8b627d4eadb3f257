from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SheetsConfig(AppConfig):
    name = "jiayuan.sheets"
    verbose_name = _("Spreadsheets")
    default_auto_field = "django.db.models.BigAutoField"
