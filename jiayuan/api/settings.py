"""Settings of the API: Django REST Framework, drf-spectacular, the rate limit and
webhooks, imported by jiayuan.settings (every upper-case name here)."""

import os


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else default


def _env_bool(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


# Requests a token (or a signed-in account) may make per minute (429 beyond).
API_RATE_PER_MINUTE = _env_int("API_RATE_PER_MINUTE", 120)
# Webhooks go to https addresses on the public internet only; these two open
# plain http and private addresses (a test receiver on 127.0.0.1, a LAN system).
WEBHOOK_ALLOW_HTTP = _env_bool("WEBHOOK_ALLOW_HTTP")
WEBHOOK_ALLOW_PRIVATE = _env_bool("WEBHOOK_ALLOW_PRIVATE")

# In INSTALLED_APPS: the API above every domain app (the same selectors and services
# as the pages); Swagger UI's files come from the sidecar package, never a CDN.
API_APPS = ["rest_framework", "drf_spectacular", "drf_spectacular_sidecar", "jiayuan.api"]

# The staff API (jiayuan.api; docs/api.md). Tokens first; a signed-in browser
# session also works (with CSRF on writes), so /api/docs/ can try calls.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "jiayuan.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["jiayuan.api.permissions.SignedInStaff"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["jiayuan.api.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "jiayuan.api.errors.handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    # Per token (or signed-in account) per minute, counted in the database
    # (jiayuan.api.throttling): the limit holds across app servers.
    "DEFAULT_THROTTLE_CLASSES": ["jiayuan.api.throttling.PerTokenRate"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Jiayuan API",
    "DESCRIPTION": ("The station's staff API: the same scope, masking, versions and audit "
                    "as the pages. Errors always have the shape "
                    "{\"error\": {\"status\", \"code\", \"message\", \"fields\"?}}. "
                    "See docs/api.md."),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Choice sets that share a field name ("kind", "status", "source") get names
    # of their own, so the schema names no enum by a hash (tests/api/test_schema.py).
    "ENUM_NAME_OVERRIDES": {
        "ActivityKindEnum": "jiayuan.engage.choices.ActivityKind",
        "MeetingKindEnum": "jiayuan.civic.choices.MeetingKind",
        "NoteKindEnum": "jiayuan.api.desk.serializers.NOTE_KIND_CHOICES",
        "SearchHitKindEnum": "jiayuan.api.registry.serializers.HIT_KINDS",
        "VolunteerStatusEnum": "jiayuan.engage.choices.VolunteerStatus",
        "MeetingStatusEnum": "jiayuan.civic.choices.MeetingStatus",
        "DecisionStatusEnum": "jiayuan.civic.choices.DecisionStatus",
        "ProjectStatusEnum": "jiayuan.civic.choices.ProjectStatus",
        "CaseStatusEnum": "jiayuan.desk.choices.Status",
        "SuggestionSourceEnum": "jiayuan.civic.choices.SuggestionSource",
        "ProjectSourceEnum": "jiayuan.civic.choices.ProjectSource",
    },
}
