"""The one search box: people and households in the actor's scope.

Names are folded (Traditional -> Simplified, full-width -> half-width) and
matched as prefixes of precomputed keys: every suffix of the name, of its
pinyin, and of its initials (see jiayuan.lib.text.search_keys). A prefix scan on
a B-tree index serves one-character queries too, which trigram indexes cannot
(most Chinese name queries are two characters). ID and phone numbers are
matched by keyed hash, a phone's last four digits by an indexed column, and a
dwelling by its code (3-2-302).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from jiayuan.core.dbrouter import use_replica
from jiayuan.core.models import User
from jiayuan.core.roles import Perm
from jiayuan.core.scope import ALL, grid_ids
from jiayuan.lib.forms import search_text
from jiayuan.lib.idcard import IDNumberError, normalize_id_number
from jiayuan.lib.phone import PhoneError, normalize_phone
from jiayuan.lib.text import fold_query, is_latin_query
from jiayuan.places.models import Dwelling, dwelling_code
from jiayuan.registry import search_rows as rows
from jiayuan.registry.identifiers import id_hash, phone_hash
from jiayuan.registry.models import ERASED_NAME, Household, Person, SearchKey

# 3-2-302, 3-302, or written out: 3栋2单元302室 / 3幢2单元302 / 3号楼302.
DWELLING_RE = re.compile(
    r"^(\d+)\s*(?:-|栋|幢|號樓|号楼|棟)\s*(?:(\d+)\s*(?:-|单元|單元)\s*)?(\d+)\s*(?:室)?$")
ID_RE = re.compile(r"^(\d{15}|\d{17}[0-9x])$")
CANDIDATES = rows.CANDIDATES


@dataclass
class Hit:
    kind: str  # "person" or "household"
    score: int
    matched: str
    person: Person | None = None
    household: Household | None = None


def _scoped(qs: Any, actor: User, field: str = "grid_id") -> Any:
    ids = grid_ids(actor)
    return qs if ids is ALL else qs.filter(**{f"{field}__in": ids})


def _score(exact: bool, kind: int, pos: int) -> int:
    if exact:
        base = {SearchKey.NAME: 100, SearchKey.PINYIN: 95, SearchKey.INITIALS: 90}[kind]
        return base if pos == 0 else base - 30
    return 60 if pos == 0 else 40


def _name_hits(actor: User, q: str, limit: int) -> list[Hit]:
    kinds = [SearchKey.PINYIN, SearchKey.INITIALS] if is_latin_query(q) else [SearchKey.NAME]
    ids = grid_ids(actor)
    if ids is not ALL and not ids:
        return []
    alias = SearchKey.objects.db  # the replica inside use_replica(), when there is one
    scores: dict[int, int] = {}
    for person_id, kind, pos in rows.rows(alias, *rows.scan(kinds, ids, '"key" = %s', [q])):
        scores[person_id] = max(scores.get(person_id, 0), _score(True, kind, pos))
    if len(scores) >= limit:
        return _people_hits(actor, scores, q, limit)
    # Prefixes of whole names first (a surname typed alone), then of later parts,
    # so that common inner characters cannot crowd out the best hits. Both scans
    # go in one statement: when the exact keys did not fill the page, the first
    # scan rarely does either (a round trip costs more than the second scan).
    match, params = rows.prefix(alias, q)
    head, head_params = rows.scan(kinds, ids, f'"pos" = 0 AND {match}', params)
    tail, tail_params = rows.scan(kinds, ids, f'"pos" > 0 AND {match}', params)
    both = f"SELECT * FROM ({head}) AS head UNION ALL SELECT * FROM ({tail}) AS tail"  # noqa: S608
    found = rows.rows(alias, both, head_params + tail_params)
    for later in (False, True):
        if later and len(scores) >= limit:
            break
        for person_id, kind, pos in found:
            if (pos > 0) == later:
                scores[person_id] = max(scores.get(person_id, 0), _score(False, kind, pos))
    return _people_hits(actor, scores, q, limit)


def _people_hits(actor: User, scores: dict[int, int], matched: str, limit: int) -> list[Hit]:
    if not scores:
        return []
    # Load only the best candidates: building hundreds of model instances would
    # cost more than the index scans that found them.
    best = sorted(scores, key=lambda pk: (-scores[pk], pk))[:limit]
    marks = ", ".join(["%s"] * len(best))
    # A tombstone (rights.erasure) is offered to nobody.
    found = rows.fetch(Person.objects.db, rows.PEOPLE,
                       f'WHERE ("t0"."id" IN ({marks}) AND NOT ("t0"."name" = %s))',
                       [*best, ERASED_NAME])
    people = {p.pk: p for p in found if isinstance(p, Person)}
    hits = [
        Hit("person", scores[pk] + (5 if p.left_on is None else 0), matched, person=p,
            household=p.household)
        for pk, p in people.items()
    ]
    hits.sort(key=lambda h: (-h.score, h.person.name, h.person.pk))
    return hits[:limit]


def _dwelling_hits(actor: User, code: str, limit: int) -> list[Hit]:
    ids = grid_ids(actor)
    if ids is not ALL and not ids:
        return []
    # As the ORM wrote it: the dwellings in scope a subquery, the current
    # households first, then the newest.
    scope = "" if ids is ALL else f' AND "grid_id" IN ({", ".join(["%s"] * len(ids))})'
    table = Dwelling._meta.db_table
    dwellings = f'SELECT "id" FROM "{table}" WHERE "code" = %s{scope}'  # noqa: S608
    households = rows.fetch(
        Household.objects.db, rows.HOUSEHOLDS,
        f'WHERE "t0"."dwelling_id" IN ({dwellings}) '
        f'ORDER BY "t0"."moved_out" ASC, "t0"."id" DESC LIMIT {int(limit)}',
        [code, *sorted(ids or ())])
    return [Hit("household", 100 if h.moved_out is None else 50, code, household=h)
            for h in households if isinstance(h, Household)]


def search(actor: User, raw: str, limit: int = 20) -> list[Hit]:
    """Ranked hits for `raw` in the actor's scope; [] for users without access.
    Read from the replica when there is one (jiayuan.core.dbrouter)."""
    with use_replica():
        return _search(actor, raw, limit)


def _search(actor: User, raw: str, limit: int) -> list[Hit]:
    if not actor.is_authenticated or not actor.has(Perm.VIEW_REGISTRY):
        return []
    raw = search_text(raw)
    plain = unicodedata.normalize("NFKC", raw).strip().lower()
    # 0512-57671234 and 138-1234-5678 are phones, not dwellings: a dwelling code
    # never has ten digits.
    digit_count = sum(ch.isdigit() for ch in plain)
    dwelling = DWELLING_RE.match(plain) if digit_count < 10 else None
    if dwelling:
        return _dwelling_hits(actor, dwelling_code(*(g or "" for g in dwelling.groups())),
                              limit)
    q = fold_query(raw or "")[:64]
    if not q:
        return []
    people = _scoped(Person.objects.all(), actor)
    if ID_RE.match(q):
        try:
            number = normalize_id_number(q)
        except IDNumberError:
            return []
        ids = people.filter(id_number_hash=id_hash(number)).values_list("pk", flat=True)
        return _people_hits(actor, dict.fromkeys(ids, 200), raw, limit)
    if q.isdigit() and len(q) == 4:
        ids = people.filter(phone_last4=q).values_list("pk", flat=True)[:CANDIDATES]
        return _people_hits(actor, dict.fromkeys(ids, 80), raw, limit)
    if q[0].isdigit() or q.startswith("+"):
        try:
            phone = normalize_phone(q)
        except PhoneError:
            return []
        ids = people.filter(phone_hash=phone_hash(phone)).values_list("pk", flat=True)
        return _people_hits(actor, dict.fromkeys(ids[:CANDIDATES], 150), raw, limit)
    return _name_hits(actor, q, limit)
