"""Set, mask and reveal ID-card and phone numbers on a Person."""

from __future__ import annotations

from jiayuan.core.crypto import decrypt, encrypt, lookup_hash
from jiayuan.lib.idcard import mask_id_number
from jiayuan.lib.phone import mask_phone, phone_last4


def set_id_number(person, number: str) -> None:
    """`number` must already be normalised (jiayuan.lib.idcard.normalize_id_number)."""
    person.id_number_enc = encrypt(number)
    person.id_number_hash = lookup_hash("id", number) if number else None
    person.id_number_mask = mask_id_number(number) if number else ""


def set_phone(person, phone: str) -> None:
    """`phone` must already be normalised (jiayuan.lib.phone.normalize_phone)."""
    person.phone_enc = encrypt(phone)
    person.phone_hash = lookup_hash("phone", phone) if phone else ""
    person.phone_mask = mask_phone(phone) if phone else ""
    person.phone_last4 = phone_last4(phone) if phone else ""


def id_number_of(person) -> str:
    return decrypt(person.id_number_enc)


def phone_of(person) -> str:
    return decrypt(person.phone_enc)


def id_hash(number: str) -> str:
    return lookup_hash("id", number)


def phone_hash(phone: str) -> str:
    return lookup_hash("phone", phone)
