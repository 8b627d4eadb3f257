"""Set, mask and reveal ID-card and phone numbers on a Person.

The one builder of identifier columns (encrypted, keyed hash, mask): the registry's
services set them through `set_id_number` / `set_phone`, the roster importer
inserts `id_number_columns` / `phone_columns` as plain rows."""

from __future__ import annotations

from jiayuan.core.crypto import decrypt, encrypt, lookup_hash
from jiayuan.lib.idcard import mask_id_number
from jiayuan.lib.phone import mask_phone, phone_last4

#: The Person columns that hold an ID-card number, and a phone number: what an
#: update saves (`update_fields`) and what an undo restores.
ID_NUMBER_COLUMNS = ("id_number_enc", "id_number_hash", "id_number_mask")
PHONE_COLUMNS = ("phone_enc", "phone_hash", "phone_mask", "phone_last4")


def id_number_columns(number: str, *, hashed: str | None = None,
                      encrypted: str | None = None) -> dict[str, str | None]:
    """The Person columns that hold `number` (encrypted, hashed, masked), for
    writers that insert plain rows. `number` must already be normalised;
    `hashed` is its `id_hash` and `encrypted` its `encrypt` (as
    `crypto.encrypt_many` makes many at once), when the caller has them already."""
    return {"id_number_enc": encrypt(number) if encrypted is None else encrypted,
            "id_number_hash": (hashed or lookup_hash("id", number)) if number else None,
            "id_number_mask": mask_id_number(number) if number else ""}


def phone_columns(phone: str, *, hashed: str | None = None,
                  encrypted: str | None = None) -> dict[str, str]:
    """The Person columns that hold `phone`; see `id_number_columns`."""
    return {"phone_enc": encrypt(phone) if encrypted is None else encrypted,
            "phone_hash": (hashed or lookup_hash("phone", phone)) if phone else "",
            "phone_mask": mask_phone(phone) if phone else "",
            "phone_last4": phone_last4(phone) if phone else ""}


def set_id_number(person, number: str) -> None:
    """`number` must already be normalised (jiayuan.lib.idcard.normalize_id_number)."""
    for column, value in id_number_columns(number).items():
        setattr(person, column, value)


def set_phone(person, phone: str) -> None:
    """`phone` must already be normalised (jiayuan.lib.phone.normalize_phone)."""
    for column, value in phone_columns(phone).items():
        setattr(person, column, value)


def id_number_of(person) -> str:
    return decrypt(person.id_number_enc)


def phone_of(person) -> str:
    return decrypt(person.phone_enc)


def id_hash(number: str) -> str:
    return lookup_hash("id", number)


def phone_hash(phone: str) -> str:
    return lookup_hash("phone", phone)
