from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "jiayuan.core"
    label = "core"
    verbose_name = _("Staff and audit")

    def ready(self) -> None:
        from jiayuan.core import signals  # noqa: F401  (login/logout auditing)
