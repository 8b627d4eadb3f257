from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """The staff JSON API (Django REST Framework, OpenAPI 3 through
    drf-spectacular), Open311 GeoReport v2 over the catalogue and the portal,
    and signed webhooks. It calls the same selectors and services as the
    pages, so scope, permissions, masking, versions and audit are the pages'
    own; it stands above every domain app (and below the demo loader)."""

    name = "jiayuan.api"
    verbose_name = _("API and Open311")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from jiayuan.api import errors
        from jiayuan.core import middleware

        # A NUL in an API request's query or form: the API's error shape, not the site's page.
        middleware.NUL_RESPONDERS["/api/"] = errors.nul_response

        # The same under Open311: the spec's error shape, in JSON or XML.
        from jiayuan.api.open311 import views as open311_views

        middleware.NUL_RESPONDERS["/open311/"] = open311_views.nul_response

        # The desk's events fill the webhook outbox (in the desk's transaction).
        from jiayuan.api.webhooks import events
        from jiayuan.desk import signals

        signals.case_created.connect(events.case_created, dispatch_uid="api.webhooks.created")
        signals.case_status_changed.connect(events.case_status_changed,
                                            dispatch_uid="api.webhooks.status")
        signals.referral_answered.connect(events.referral_answered,
                                          dispatch_uid="api.webhooks.answered")
