"""Small i18n helpers shared by the lib modules.

Django's lazy strings evaluate immediately on ``%`` (``Promise.__mod__`` casts to
``str`` first), which would need configured settings at import or validation time.
``interpolate`` keeps both the translation and the ``%(name)s`` substitution lazy, so
messages are built without touching settings and translated only when rendered, in
the language active at that moment.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.utils.functional import Promise, lazy

if TYPE_CHECKING:
    # A lazy *str* (what gettext_lazy returns), which Django's own signatures
    # such as ValidationError(message) accept; a bare Promise they do not.
    from django_stubs_ext import StrPromise


def _interpolate(message: str | Promise, params: Mapping[str, Any]) -> str:
    return str(message) % params


#: ``interpolate(_("Expected %(x)s."), {"x": 1})`` -> lazy string.
interpolate = lazy(_interpolate, str)


class LibError(ValueError):
    """Base for validation errors of the lib modules.

    ``message`` is a lazy, translatable string (render it with ``str()`` once Django
    settings are configured); ``code`` is a stable machine-readable key, suitable for
    ``django.core.exceptions.ValidationError(err.message, code=err.code)``.
    """

    def __init__(self, message: str | StrPromise, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code

    def __repr__(self) -> str:
        # Never evaluate the lazy message here: repr() is used by test runners and
        # loggers that may run without Django settings.
        return f"{type(self).__name__}(code={self.code!r})"
