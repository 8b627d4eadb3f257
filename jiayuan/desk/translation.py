"""Catalogue texts the station head writes in each language (django-modeltranslation).

Each field gets one column per language in settings.LANGUAGES (name_zh_hans,
name_zh_hant, name_en); reading `item.name` gives the active language, falling
back to Simplified Chinese where a translation is missing.
"""

from modeltranslation.translator import TranslationOptions, register

from jiayuan.desk.models import ServiceCategory, ServiceItem


@register(ServiceCategory)
class ServiceCategoryTranslation(TranslationOptions):
    fields = ("name",)


@register(ServiceItem)
class ServiceItemTranslation(TranslationOptions):
    fields = ("name", "description", "documents")
