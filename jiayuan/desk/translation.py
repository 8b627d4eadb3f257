"""Catalogue texts the station head writes in each language (django-modeltranslation).

Each field gets one column per language in settings.LANGUAGES (name_zh_hans,
name_zh_hant, name_en); reading `item.name` gives the active language, falling
back to Simplified Chinese where a translation is missing.
"""

from django.conf import settings
from modeltranslation.translator import TranslationOptions, register
from modeltranslation.utils import build_localized_fieldname

from jiayuan.desk.models import ServiceCategory, ServiceItem


@register(ServiceCategory)
class ServiceCategoryTranslation(TranslationOptions):
    fields = ("name",)


@register(ServiceItem)
class ServiceItemTranslation(TranslationOptions):
    fields = ("name", "description", "documents")


def localized(*fields: str) -> list[str]:
    """name -> name_zh_hans, name_zh_hant, name_en (in settings.LANGUAGES order)."""
    return [build_localized_fieldname(f, code) for f in fields
            for code, _name in settings.LANGUAGES]
