from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """The dashboard and the period reports. They read the figures only
    through the metric registry (jiayuan.core.metrics) and import no domain
    app: an app adds its figures to both by registering them."""

    name = "jiayuan.reports"
    verbose_name = _("Figures and reports")
    default_auto_field = "django.db.models.BigAutoField"
