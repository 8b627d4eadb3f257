"""Password rules of our own (settings.AUTH_PASSWORD_VALIDATORS; Django's own
similarity, common-password and all-digits checks run beside them).

Every place a password is set through a form runs them: the change-password
page (jiayuan.core.accounts), the admin's add-user and set-password forms and
`manage.py changepassword`. The demo loader writes the public demo password's
hash directly, and that password works only in demo mode (jiayuan.core.auth).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


class LengthValidator:
    """At least `min_length` characters (a passphrase), at most `max_length`
    (hashing a huge input is slow work an attacker could ask for)."""

    def __init__(self, min_length: int = 12, max_length: int = 64) -> None:
        self.min_length, self.max_length = min_length, max_length

    def validate(self, password: str, user: Any = None) -> None:
        if len(password) < self.min_length:
            raise ValidationError(ngettext(
                "This password is too short: use at least %(min_length)d character.",
                "This password is too short: use at least %(min_length)d characters.",
                self.min_length) % {"min_length": self.min_length},
                code="password_too_short", params={"min_length": self.min_length})
        if len(password) > self.max_length:
            raise ValidationError(ngettext(
                "This password is too long: use at most %(max_length)d character.",
                "This password is too long: use at most %(max_length)d characters.",
                self.max_length) % {"max_length": self.max_length},
                code="password_too_long", params={"max_length": self.max_length})

    def get_help_text(self) -> str:
        return _("Your password must have from %(min_length)d to %(max_length)d characters; "
                 "a few unrelated words make a good one.") % {
            "min_length": self.min_length, "max_length": self.max_length}


# Words anyone would try first against this site.
STATION_WORDS = ("jiayuan", "家园", "password", "demo", "admin", "station")
# What must be left once the station's words are taken out (letters, of any script).
MIN_OTHER_LETTERS = 4


def _station_words(user: Any) -> list[str]:
    words = [*STATION_WORDS, settings.STATION_NAME, settings.STATION_CODE]
    if user is not None:
        words.append(getattr(user, "username", "") or "")
        community = getattr(user, "community", None) if getattr(
            user, "community_id", None) else None
        if community is not None:
            words.append(str(getattr(community, "name", "") or ""))
    # Longest first, so "家园社区" goes before "家园".
    return sorted({w.strip().casefold() for w in words if len(w.strip()) >= 2},
                  key=len, reverse=True)


class StationWordsValidator:
    """Refuses a password made of this site's own words (jiayuan, 家园, the
    station's and the community's names, the username, "password", "demo")
    with only digits, signs or a few letters besides: jiayuan123,
    jiayuan-demo, Password2026!"""

    def validate(self, password: str, user: Any = None) -> None:
        folded = password.casefold()
        rest = folded
        for word in _station_words(user):
            rest = rest.replace(word, " ")
        if rest == folded:
            return  # none of the words
        if sum(1 for ch in rest if ch.isalpha()) < MIN_OTHER_LETTERS:
            raise ValidationError(
                _("This password is made of this site's own words (its name, yours, "
                  "\"password\"…) and a few digits or signs: anyone would guess it."),
                code="password_station_words")

    def get_help_text(self) -> str:
        return _("Your password can't be made of this site's own words, your username "
                 "or \"password\" with a few digits.")
