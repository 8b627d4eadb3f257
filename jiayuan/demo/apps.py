from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """`manage.py demo`: the one place that knows every app's demo data and
    loads them in order (each app keeps its own demo module). It sits above
    all apps, so no app imports another's demo."""

    name = "jiayuan.demo"
    label = "demo"
    verbose_name = _("Demo data")
