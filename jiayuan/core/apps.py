from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "jiayuan.core"
    label = "core"
    verbose_name = _("Staff and audit")

    def ready(self) -> None:
        # signals: login/logout auditing; sessions: the session rows and limits;
        # twofactor and reauth: a new login is asked its second factor again;
        # dbrouter: each request starts with nothing written (reads may use a replica).
        from jiayuan.core import (  # noqa: F401
            dbrouter,
            metrics,
            reauth,
            scheduler,
            sessions,
            signals,
            twofactor,
        )

        # Each app's jobs.py registers its scheduled jobs (manage.py tick), as
        # each app's admin.py registers its models with the admin.
        scheduler.autodiscover()
        # Second-factor devices are not for the admin site (their keys).
        twofactor.hide_from_admin()
        # Each app's metrics.py defines its figures (jiayuan.core.metrics).
        metrics.autodiscover()
