from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Residency(models.TextChoices):
    REGISTERED = "registered", _("Registered (hukou here)")
    RESIDENT = "resident", _("Resident (hukou elsewhere)")
    FLOATING = "floating", _("Floating (temporary)")


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class Relation(models.TextChoices):
    HEAD = "head", _("Head of household")
    SPOUSE = "spouse", _("Spouse")
    CHILD = "child", _("Child")
    PARENT = "parent", _("Parent")
    GRANDCHILD = "grandchild", _("Grandchild")
    GRANDPARENT = "grandparent", _("Grandparent")
    SIBLING = "sibling", _("Sibling")
    CHILD_IN_LAW = "child_in_law", _("Son- or daughter-in-law")
    OTHER_RELATIVE = "relative", _("Other relative")
    LODGER = "lodger", _("Lodger / not related")


class CircumstanceKind(models.TextChoices):
    HARDSHIP = "hardship", _("Hardship")
    MINIMUM_INCOME = "minimum_income", _("Minimum-income subsidy (dibao)")
    DISABILITY = "disability", _("Disability")
    SERIOUS_ILLNESS = "serious_illness", _("Serious illness")
    ELDERLY_ALONE = "elderly_alone", _("Elderly person living alone")
    LEFT_BEHIND_CHILD = "left_behind_child", _("Left-behind child")
    UNEMPLOYED = "unemployed", _("Unemployed")
    SPECIAL_CARE = "special_care", _("Special care (veteran or martyr family)")
    OTHER = "other", _("Other")


class ConsentPurpose(models.TextChoices):
    REGISTRY = "registry", _("Keeping the household file")
    SENSITIVE = "sensitive", _("Recording sensitive details (health, hardship, ethnicity)")
    REFERRAL = "referral", _("Referral to a named department")
    PHOTO = "photo", _("Photographs")
    PORTAL_CONTACT = "portal_contact", _("Contact about requests made on the resident portal")


class ConsentStatus(models.TextChoices):
    GIVEN = "given", _("Given")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class BusinessKind(models.TextChoices):
    RESTAURANT = "restaurant", _("Restaurant / noodle shop")
    GROCERY = "grocery", _("Grocery / fruit stall")
    STREET_FOOD = "street_food", _("Street food stall")
    SERVICES = "services", _("Services (repair, hairdresser…)")
    RETAIL = "retail", _("Retail shop")
    OTHER = "other", _("Other")


# Languages a person speaks, by ISO 639 code; names are translatable.
LANGUAGE_CHOICES = [
    ("zh", _("Mandarin Chinese")),
    ("yue", _("Cantonese")),
    ("wuu", _("Wu (Shanghainese, Suzhounese…)")),
    ("ug", _("Uyghur")),
    ("bo", _("Tibetan")),
    ("ko", _("Korean")),
    ("mn", _("Mongolian")),
    ("kk", _("Kazakh")),
    ("ii", _("Nuosu (Yi)")),
    ("za", _("Zhuang")),
    ("en", _("English")),
    ("sgn", _("Sign language")),
    ("other", _("Other")),
]
LANGUAGE_CODES = {code for code, _label in LANGUAGE_CHOICES}
