"""Department names and what they handle, per language (django-modeltranslation):
one column per language in settings.LANGUAGES, falling back to Simplified Chinese."""

from modeltranslation.translator import TranslationOptions, register

from jiayuan.directory.models import Department


@register(Department)
class DepartmentTranslation(TranslationOptions):
    fields = ("name", "handles")
