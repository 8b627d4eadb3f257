"""Encryption at rest and keyed hashes for direct identifiers (ID, phone).

Fernet (AES-128-CBC + HMAC-SHA256, from `cryptography`) with MultiFernet so keys
can be rotated: the first key in FIELD_ENCRYPTION_KEY encrypts, all decrypt.
The keyed hash (HMAC-SHA256) allows exact look-up and de-duplication without
decrypting; it is domain-separated per kind so equal digits in an ID and a phone
never collide.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import struct
import time
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@cache
def _fernet() -> MultiFernet:
    try:
        return MultiFernet([Fernet(k.encode()) for k in settings.FIELD_ENCRYPTION_KEYS])
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEY must be url-safe base64 of 32 bytes "
            "(python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key())')"
        ) from exc


@cache
def _hash_key() -> bytes:
    return settings.FIELD_HASH_KEY.encode()


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode() if value else ""


def encrypt_many(values: list[str]) -> list[str]:
    """`encrypt` of each value ("" stays ""), for bulk writers: the same Fernet
    tokens (version, time, a fresh random IV per value, AES-128-CBC with PKCS7
    padding, HMAC-SHA256 over all that; `decrypt` reads them), made for many
    values at once. Fernet sets up a cipher per value, which costs more than
    the encryption of a short value: here the AES block cipher runs once per
    block position over every value (CBC's chaining, each block XORed with the
    value's previous ciphertext block or its IV, is done here), and the HMAC is
    a one-shot digest."""
    _fernet()  # the same key checks as `encrypt` (ImproperlyConfigured)
    key = base64.urlsafe_b64decode(settings.FIELD_ENCRYPTION_KEYS[0])
    signing, block_cipher = key[:16], Cipher(algorithms.AES(key[16:]), modes.ECB())  # noqa: S305
    aes = block_cipher.encryptor()
    padded = []
    for value in values:
        data = value.encode()
        pad = 16 - len(data) % 16
        padded.append(data + bytes((pad,)) * pad)
    ivs = os.urandom(16 * len(values))
    chain = [int.from_bytes(ivs[16 * i:16 * i + 16], "big") for i in range(len(values))]
    ciphertext: list[list[bytes]] = [[] for _value in values]
    todo = [i for i, value in enumerate(values) if value]
    offset = 0
    while todo:
        plain = b"".join((int.from_bytes(padded[i][offset:offset + 16], "big") ^ chain[i])
                         .to_bytes(16, "big") for i in todo)
        out = aes.update(plain)
        for n, i in enumerate(todo):
            block = out[16 * n:16 * n + 16]
            ciphertext[i].append(block)
            chain[i] = int.from_bytes(block, "big")
        offset += 16
        todo = [i for i in todo if len(padded[i]) > offset]
    aes.finalize()
    head = b"\x80" + struct.pack(">Q", int(time.time()))
    tokens = []
    for i, value in enumerate(values):
        if not value:
            tokens.append("")
            continue
        basic = head + ivs[16 * i:16 * i + 16] + b"".join(ciphertext[i])
        tokens.append(base64.urlsafe_b64encode(
            basic + hmac.digest(signing, basic, "sha256")).decode())
    return tokens


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured("A stored value cannot be decrypted with the configured "
                                   "FIELD_ENCRYPTION_KEY.") from exc


def lookup_hash(kind: str, value: str) -> str:
    return hmac.new(_hash_key(), f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()
