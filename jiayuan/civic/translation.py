"""Suggestion statuses a station names in each language (django-modeltranslation)."""

from modeltranslation.translator import TranslationOptions, register

from jiayuan.civic.suggestions.models import SuggestionStatus


@register(SuggestionStatus)
class SuggestionStatusTranslation(TranslationOptions):
    fields = ("name",)
