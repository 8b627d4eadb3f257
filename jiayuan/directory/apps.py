from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DirectoryConfig(AppConfig):
    """The departments and partner organisations the station works with: a
    low app, so that the registry (a referral consent names a department) and
    the service desk (referrals, the catalogue) can both use them."""

    name = "jiayuan.directory"
    label = "directory"
    verbose_name = _("Departments and partners")
    default_auto_field = "django.db.models.BigAutoField"
