"""One household, one file (一户一档): households, people and their history.

Direct identifiers (ID-card and phone numbers) are stored encrypted with a keyed
hash beside them (see jiayuan.core.crypto); a masked form is stored too so lists
never need the key. `grid` is denormalised onto households, people and search
keys because every query is filtered by the acting user's grids.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from jiayuan.core.labels import ChoiceLabels
from jiayuan.lib.divisions import origin_label
from jiayuan.lib.ethnicity import ETHNICITY_CHOICES
from jiayuan.registry.choices import (
    BusinessKind,
    CircumstanceKind,
    ConsentPurpose,
    ConsentStatus,
    Relation,
    Residency,
    Sex,
)


class Household(ChoiceLabels):
    dwelling = models.ForeignKey("places.Dwelling", models.PROTECT, related_name="households",
                                 verbose_name=_("dwelling"))
    # No index of its own: household_grid_idx (grid, moved_out) starts with it.
    grid = models.ForeignKey("places.Grid", models.PROTECT, related_name="+", editable=False,
                             db_index=False)
    residency = models.CharField(_("residency"), max_length=12, choices=Residency.choices)
    moved_in = models.DateField(_("moved in"))
    moved_out = models.DateField(_("moved out"), null=True, blank=True)
    head = models.ForeignKey("Person", models.SET_NULL, null=True, blank=True, related_name="+",
                             verbose_name=_("head of household"))
    festivals = models.JSONField(_("festivals the household celebrates"), default=list,
                                 blank=True)
    note = models.TextField(_("note"), blank=True)
    # Optimistic locking, as for cases and disputes: every write to the row
    # claims the next version; an edit made from a form loaded at an older
    # version is refused (registry.services.Conflict) instead of overwriting.
    version = models.PositiveIntegerField(default=1, editable=False)
    # The roster import that created this household, if any (jiayuan.sheets).
    import_batch_id = models.BigIntegerField(null=True, blank=True, editable=False,
                                             db_index=True)
    # Set by the retention rule (jiayuan.rights.retention) some months after the
    # household moved out: it leaves the "Moved out" list for the "Archived" one;
    # its file stays readable in scope (no anonymisation yet).
    archived_on = models.DateField(_("archived"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    AUDIT_FIELDS = ("dwelling_id", "residency", "moved_in", "moved_out", "head_id",
                    "festivals", "note")
    # Festivals can reveal a religion (PIPL art. 28): never in the log in clear.
    AUDIT_SENSITIVE = ("festivals",)

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        indexes = [models.Index(fields=["grid", "moved_out"], name="household_grid_idx"),
                   # The figures of households living here on a day, in all and by
                   # residency (registry.metrics), read from the index alone; the
                   # grid first, or a grid worker's count would walk the district's
                   # households of that residency (SQLite, which keeps no statistics).
                   models.Index(fields=["grid", "residency", "moved_in", "moved_out"],
                                name="household_living_idx")]

    def __str__(self) -> str:
        return f"{self.dwelling.code}" if self.dwelling_id else f"#{self.pk}"

    @property
    def is_active(self) -> bool:
        return self.moved_out is None


class HouseholdAddress(models.Model):
    """Where a household has lived: history stays when it moves."""

    household = models.ForeignKey(Household, models.CASCADE, related_name="addresses")
    dwelling = models.ForeignKey("places.Dwelling", models.PROTECT, related_name="+",
                                 verbose_name=_("dwelling"))
    moved_in = models.DateField(_("moved in"))
    moved_out = models.DateField(_("moved out"), null=True, blank=True)

    class Meta:
        ordering = ["-moved_in", "-id"]


# The name an erased person's row keeps (jiayuan.rights.erasure): a neutral mark,
# not words in one language; `str(person)` says "Erased person #pk" in the reader's.
ERASED_NAME = "\u2205"


class Person(ChoiceLabels):
    household = models.ForeignKey(Household, models.PROTECT, related_name="members",
                                  verbose_name=_("household"))
    # No index of its own: person_grid_name_idx (grid, name) starts with it.
    grid = models.ForeignKey("places.Grid", models.PROTECT, related_name="+", editable=False,
                             db_index=False)
    name = models.CharField(pgettext_lazy("of a person", "name"), max_length=60)
    pinyin = models.CharField(_("pinyin"), max_length=120, blank=True, editable=False)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    id_number_enc = models.TextField(blank=True, editable=False)
    # Unique, and indexed with phone_hash and phone_last4, in Meta: as fields with
    # unique/db_index, PostgreSQL would also get a LIKE index for each, which no
    # query uses (they are only ever compared whole) and every insert maintains.
    id_number_hash = models.CharField(max_length=64, null=True, blank=True, editable=False)
    id_number_mask = models.CharField(_("ID-card number"), max_length=18, blank=True,
                                      editable=False)
    phone_enc = models.TextField(blank=True, editable=False)
    phone_hash = models.CharField(max_length=64, blank=True, editable=False)
    phone_mask = models.CharField(_("phone"), max_length=20, blank=True, editable=False)
    phone_last4 = models.CharField(max_length=4, blank=True, editable=False)
    ethnicity = models.CharField(_("ethnic group"), max_length=2, blank=True,
                                 choices=ETHNICITY_CHOICES,
                                 help_text=_("Optional and self-declared."))
    languages = models.JSONField(_("languages"), default=list, blank=True)
    origin_code = models.CharField(_("origin place"), max_length=6, blank=True,
                                   help_text=_("GB/T 2260 code, at least province and "
                                               "prefecture."))
    permit_number = models.CharField(_("residence permit number"), max_length=40, blank=True)
    permit_expiry = models.DateField(_("residence permit expiry"), null=True, blank=True)
    occupation = models.CharField(_("occupation"), max_length=100, blank=True)
    relation = models.CharField(_("relation to head"), max_length=20,
                                choices=Relation.choices, default=Relation.OTHER_RELATIVE)
    left_on = models.DateField(_("left the community"), null=True, blank=True)
    # Optimistic locking: see Household.version.
    version = models.PositiveIntegerField(default=1, editable=False)
    # The roster import that created this person, if any (jiayuan.sheets).
    import_batch_id = models.BigIntegerField(null=True, blank=True, editable=False,
                                             db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    AUDIT_FIELDS = ("household_id", "name", "sex", "birth_date", "id_number_hash",
                    "phone_hash", "ethnicity", "languages", "origin_code", "permit_number",
                    "permit_expiry", "occupation", "relation", "left_on")
    # Never written to the audit log in clear.
    AUDIT_SENSITIVE = ("id_number_hash", "phone_hash", "ethnicity", "permit_number",
                       "languages")

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        indexes = [models.Index(fields=["grid", "name"], name="person_grid_name_idx"),
                   # `tick` raises reminders for permits about to expire.
                   models.Index(fields=["permit_expiry"], name="person_permit_expiry_idx"),
                   models.Index(fields=["phone_hash"], name="person_phone_hash_idx"),
                   models.Index(fields=["phone_last4"], name="person_phone_last4_idx"),
                   # The figures of people living here on a day (registry.metrics):
                   # members not left, joined to their household, from the index alone.
                   models.Index(fields=["household", "left_on"],
                                name="person_household_left_idx")]
        constraints = [models.UniqueConstraint(fields=["id_number_hash"],
                                               name="person_id_number_hash_unique")]

    def __str__(self) -> str:
        if self.is_erased:
            return gettext("Erased person #%(pk)s") % {"pk": self.pk}
        return self.name

    @property
    def is_erased(self) -> bool:
        """The row is a tombstone: its personal data was erased (PIPL art. 47)."""
        return self.name == ERASED_NAME

    def age_on(self, day: date) -> int | None:
        if self.birth_date is None:
            return None
        b = self.birth_date
        return day.year - b.year - ((day.month, day.day) < (b.month, b.day))

    @property
    def age(self) -> int | None:
        return self.age_on(timezone.localdate())

    @property
    def is_under_14(self) -> bool:
        age = self.age
        return age is not None and age < 14

    @property
    def origin_label(self) -> str:
        return origin_label(self.origin_code) if self.origin_code else ""


class Membership(models.Model):
    """Who belonged to which household when: a person's moves stay on record."""

    person = models.ForeignKey(Person, models.CASCADE, related_name="memberships")
    household = models.ForeignKey(Household, models.CASCADE, related_name="memberships")
    relation = models.CharField(_("relation to head"), max_length=20, choices=Relation.choices)
    joined = models.DateField(_("joined"))
    left = models.DateField(pgettext_lazy("date", "left"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        ordering = ["-joined", "-id"]


class Circumstance(ChoiceLabels):
    """A sensitive fact about a household or one member, with its period."""

    household = models.ForeignKey(Household, models.CASCADE, related_name="circumstances")
    person = models.ForeignKey(Person, models.CASCADE, null=True, blank=True,
                               related_name="circumstances", verbose_name=_("member"))
    kind = models.CharField(_("circumstance"), max_length=20, choices=CircumstanceKind.choices)
    started = models.DateField(pgettext_lazy("start date", "from"))
    ended = models.DateField(pgettext_lazy("end date", "until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    AUDIT_FIELDS = ("household_id", "person_id", "kind", "started", "ended", "note")
    AUDIT_SENSITIVE = ("kind", "note")

    class Meta:
        verbose_name = _("circumstance")
        verbose_name_plural = _("circumstances")
        ordering = ["-started", "-id"]
        indexes = [models.Index(fields=["kind", "ended"], name="circumstance_kind_idx")]

    def __str__(self) -> str:
        return str(self.get_kind_display())

    @property
    def is_current(self) -> bool:
        return self.ended is None or self.ended >= timezone.localdate()


class Consent(ChoiceLabels):
    person = models.ForeignKey(Person, models.CASCADE, related_name="consents",
                               verbose_name=_("person"))
    purpose = models.CharField(_("purpose"), max_length=20, choices=ConsentPurpose.choices)
    # A referral consent names a department of the directory's list, so a
    # referral to it finds the consent whatever spelling staff would have typed.
    department = models.ForeignKey("directory.Department", models.PROTECT, null=True, blank=True,
                                   related_name="consents", verbose_name=_("department"),
                                   help_text=_("For a referral: the department named in the "
                                               "consent."))
    # What staff typed before consents named a department from the list, kept
    # when it matched none (`manage.py unmatched_consents` lists them).
    department_text = models.CharField(_("department as written"), max_length=100,
                                       blank=True)
    status = models.CharField(_("status"), max_length=10, choices=ConsentStatus.choices,
                              default=ConsentStatus.GIVEN)
    recorded_on = models.DateField(_("date"), default=timezone.localdate)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                    verbose_name=_("recorded by"))
    evidence = models.CharField(_("evidence"), max_length=300, blank=True,
                                help_text=_("E.g. signed form no. 2026-041, or verbal at "
                                            "the desk with a witness."))
    guardian = models.ForeignKey(Person, models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name=_("guardian"))
    guardian_name = models.CharField(_("Guardian (if not in the household)"), max_length=60,
                                     blank=True)
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)

    AUDIT_FIELDS = ("person_id", "purpose", "department_id", "status", "recorded_on",
                    "evidence", "guardian_id", "guardian_name", "withdrawn_on")

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-recorded_on", "-id"]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} ({self.get_status_display()})"


class SearchKey(models.Model):
    """Normalised keys for the search box: name suffixes, pinyin, initials.

    Lookups are prefix range scans on `key`; grid is copied here so scoped
    users' searches never join to households.
    """

    NAME, PINYIN, INITIALS = 1, 2, 3
    person = models.ForeignKey(Person, models.CASCADE, related_name="+")
    grid_id = models.BigIntegerField()
    kind = models.PositiveSmallIntegerField()
    pos = models.PositiveSmallIntegerField()
    key = models.CharField(max_length=64)

    class Meta:
        indexes = [
            # One index serves both databases' prefix look-ups: LIKE 'q%' on
            # PostgreSQL (varchar_pattern_ops, whatever the collation) and the range
            # [q, q+1) on SQLite (which ignores the operator class). db_index=True
            # would add a second, unused plain btree on PostgreSQL, and every
            # imported name writes ~9 keys.
            models.Index(fields=["key"], name="searchkey_key_idx",
                         opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["grid_id", "key"], name="searchkey_grid_key_idx",
                         opclasses=["int8_ops", "varchar_pattern_ops"]),
        ]


class Business(ChoiceLabels):
    grid = models.ForeignKey("places.Grid", models.PROTECT, related_name="businesses",
                             verbose_name=_("grid"))
    name = models.CharField(pgettext_lazy("of a place or business", "name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=BusinessKind.choices)
    owner = models.ForeignKey(Person, models.SET_NULL, null=True, blank=True,
                              related_name="businesses", verbose_name=_("owner"))
    dwelling = models.ForeignKey("places.Dwelling", models.SET_NULL, null=True, blank=True,
                                 related_name="businesses", verbose_name=_("premises"))
    address = models.CharField(_("address"), max_length=200, blank=True)
    licence_note = models.CharField(_("licence note"), max_length=200, blank=True)

    AUDIT_FIELDS = ("grid_id", "name", "kind", "owner_id", "dwelling_id", "address",
                    "licence_note")

    class Meta:
        verbose_name = _("business")
        verbose_name_plural = _("businesses")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class LivingCount(models.Model):
    """Households and people living here, kept by PostgreSQL triggers
    (migration 0011; jiayuan.registry.living_counts): per grid, residency
    category and day, what starts (+) and ends (-) living that day. Those
    living on a day are the sum of the rows up to it. Appended to by each
    statement (no row is shared between writers, so none waits on another),
    folded by `tick`. Never written by Django."""

    grid = models.ForeignKey("places.Grid", models.DO_NOTHING, db_constraint=False,
                             db_index=False, related_name="+")
    residency = models.CharField(max_length=12)
    day = models.DateField()
    households = models.IntegerField(default=0)
    people = models.IntegerField(default=0)



class LivingCountState(models.Model):
    """One row: the first day the kept counts answer for (days before it are
    folded into one row), or none while they are not to be trusted."""

    floor = models.DateField(null=True)
