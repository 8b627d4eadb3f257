"""Site-wide pages that belong to no app: the favicon and the CSRF failure.

The 400/403/404/500 pages are Django's own handlers rendering the project's
templates (templates/400.html...): 500.html is rendered with no request
context, so it reads nothing from the database and no static manifest.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template import loader
from django.templatetags.static import static


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page says: send them to the
    icon the pages link to (not permanent: its static URL carries a hash)."""
    return HttpResponseRedirect(static("favicon.svg"))


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: a page a person can act on, in their language, at
    phone width (Django's own is English and 980 px wide). The reason stays in
    the log (django.security.csrf), not on the page."""
    html = loader.get_template("errors/csrf.html").render({}, request)
    return HttpResponse(html, status=403)
