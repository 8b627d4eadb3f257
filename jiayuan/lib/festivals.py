"""Festivals a household may declare it celebrates, with their upcoming dates.

Dates of lunar and lunisolar festivals are listed per year (``FESTIVAL_DATES``);
festivals on a fixed Gregorian day are computed for any year (``FIXED_DATES``).
Sources and accuracy:

* Chinese festivals: Chinese calendar (GB/T 33661-2017), checked with the
  lunar-python package; Qingming is the solar term.
* Chuseok and Seollal: the Korean lunar calendar (KARI), which runs on Korean time
  and so can fall a day after the Chinese date (Seollal 2027 and 2028).
* Islamic festivals: Umm al-Qura calendar (via the hijridate package). APPROXIMATE:
  in China the Islamic Association announces the day after moon sighting, which
  can be one day later.
* Losar and Shoton (which opens on the 30th of the 6th Tibetan month): Tibetan
  (Phugpa) calendar, computed with the caltib package; Losar matches published
  dates for 2022-2026. APPROXIMATE: Lhasa sets the Shoton programme each year.
* Nowruz is kept on 21 March as in Xinjiang; the Water-Splashing Festival on
  13 April (Xishuangbanna's fixed public holiday).
* Naadam and "other" have no date here: Naadam is set by each league and
  banner.
"""

from __future__ import annotations

from datetime import date

from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

__all__ = [
    "FESTIVALS",
    "FESTIVAL_CHOICES",
    "FESTIVAL_DATES",
    "FIXED_DATES",
    "festival_label",
    "next_date",
]

# Message context "festival" keeps e.g. "Other" apart from the same word elsewhere.
FESTIVALS: tuple[tuple[str, Promise], ...] = (
    ("spring_festival", pgettext_lazy("festival", "Spring Festival")),
    ("lantern", pgettext_lazy("festival", "Lantern Festival")),
    ("qingming", pgettext_lazy("festival", "Qingming Festival")),
    ("dragon_boat", pgettext_lazy("festival", "Dragon Boat Festival")),
    ("mid_autumn", pgettext_lazy("festival", "Mid-Autumn Festival")),
    ("double_ninth", pgettext_lazy("festival", "Double Ninth Festival")),
    ("eid_al_fitr", pgettext_lazy("festival", "Eid al-Fitr")),
    ("eid_al_adha", pgettext_lazy("festival", "Eid al-Adha / Corban")),
    ("mawlid", pgettext_lazy("festival", "Mawlid")),
    ("losar", pgettext_lazy("festival", "Tibetan New Year")),
    ("shoton", pgettext_lazy("festival", "Shoton Festival")),
    ("nowruz", pgettext_lazy("festival", "Nowruz")),
    ("water_splashing", pgettext_lazy("festival", "Water-Splashing Festival")),
    ("torch", pgettext_lazy("festival", "Torch Festival")),
    ("third_of_march", pgettext_lazy("festival", "Third of March Festival")),
    ("chuseok", pgettext_lazy("festival", "Chuseok")),
    ("seollal", pgettext_lazy("festival", "Korean New Year")),
    ("naadam", pgettext_lazy("festival", "Naadam")),
    ("christmas", pgettext_lazy("festival", "Christmas")),
    ("other", pgettext_lazy("festival", "Other")),
)

FESTIVAL_CHOICES: list[tuple[str, Promise]] = list(FESTIVALS)

_LABELS: dict[str, Promise] = dict(FESTIVALS)

#: Festivals on the same Gregorian day every year: code -> (month, day).
FIXED_DATES: dict[str, tuple[int, int]] = {
    "nowruz": (3, 21),
    "water_splashing": (4, 13),
    "christmas": (12, 25),
}

_YEARS = range(2025, 2029)


def _d(text: str) -> date:
    return date.fromisoformat(text)


#: code -> {year: date}. Movable festivals for 2025-2028, plus the fixed ones.
FESTIVAL_DATES: dict[str, dict[int, date]] = {
    "spring_festival": {
        2025: _d("2025-01-29"), 2026: _d("2026-02-17"),
        2027: _d("2027-02-06"), 2028: _d("2028-01-26"),
    },
    "lantern": {  # 15th of the 1st lunar month
        2025: _d("2025-02-12"), 2026: _d("2026-03-03"),
        2027: _d("2027-02-20"), 2028: _d("2028-02-09"),
    },
    "qingming": {  # the Qingming solar term
        2025: _d("2025-04-04"), 2026: _d("2026-04-05"),
        2027: _d("2027-04-05"), 2028: _d("2028-04-04"),
    },
    "third_of_march": {  # 3rd of the 3rd lunar month
        2025: _d("2025-03-31"), 2026: _d("2026-04-19"),
        2027: _d("2027-04-09"), 2028: _d("2028-03-28"),
    },
    "dragon_boat": {  # 5th of the 5th lunar month
        2025: _d("2025-05-31"), 2026: _d("2026-06-19"),
        2027: _d("2027-06-09"), 2028: _d("2028-05-28"),
    },
    "torch": {  # 24th of the 6th lunar month (Yi; the Bai celebrate on the 25th)
        2025: _d("2025-07-18"), 2026: _d("2026-08-06"),
        2027: _d("2027-07-27"), 2028: _d("2028-08-14"),
    },
    "mid_autumn": {  # 15th of the 8th lunar month
        2025: _d("2025-10-06"), 2026: _d("2026-09-25"),
        2027: _d("2027-09-15"), 2028: _d("2028-10-03"),
    },
    "double_ninth": {  # 9th of the 9th lunar month
        2025: _d("2025-10-29"), 2026: _d("2026-10-18"),
        2027: _d("2027-10-08"), 2028: _d("2028-10-26"),
    },
    "seollal": {  # Korean lunar calendar, on Korean time
        2025: _d("2025-01-29"), 2026: _d("2026-02-17"),
        2027: _d("2027-02-07"), 2028: _d("2028-01-27"),
    },
    "chuseok": {
        2025: _d("2025-10-06"), 2026: _d("2026-09-25"),
        2027: _d("2027-09-15"), 2028: _d("2028-10-03"),
    },
    # Approximate (see the module docstring): 1 Shawwal, 10 Dhu al-Hijjah, 12 Rabi' I.
    "eid_al_fitr": {
        2025: _d("2025-03-30"), 2026: _d("2026-03-20"),
        2027: _d("2027-03-09"), 2028: _d("2028-02-26"),
    },
    "eid_al_adha": {
        2025: _d("2025-06-06"), 2026: _d("2026-05-27"),
        2027: _d("2027-05-16"), 2028: _d("2028-05-05"),
    },
    "mawlid": {
        2025: _d("2025-09-04"), 2026: _d("2026-08-25"),
        2027: _d("2027-08-14"), 2028: _d("2028-08-03"),
    },
    "losar": {  # approximate, Phugpa calendar
        2025: _d("2025-02-28"), 2026: _d("2026-02-18"),
        2027: _d("2027-02-07"), 2028: _d("2028-02-26"),
    },
    "shoton": {  # approximate, Phugpa calendar, 30th of the 6th month
        2025: _d("2025-08-23"), 2026: _d("2026-08-12"),
        2027: _d("2027-08-31"), 2028: _d("2028-08-20"),
    },
}  # fmt: skip
FESTIVAL_DATES.update(
    {code: {y: date(y, m, d) for y in _YEARS} for code, (m, d) in FIXED_DATES.items()}
)


def festival_label(code: str) -> str:
    """The translated label of ``code``, or ``code`` itself if it is unknown."""
    label = _LABELS.get(code)
    return str(label) if label is not None else code


def next_date(code: str, after: date) -> date | None:
    """The first date of festival ``code`` strictly after ``after``.

    ``None`` when the festival has no known date (no dates, or past the years
    listed). Fixed-date festivals are computed for any year.
    """
    if code in FIXED_DATES:
        month, day = FIXED_DATES[code]
        this_year = date(after.year, month, day)
        return this_year if this_year > after else date(after.year + 1, month, day)
    upcoming = [d for d in FESTIVAL_DATES.get(code, {}).values() if d > after]
    return min(upcoming, default=None)
