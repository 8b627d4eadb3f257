"""Circumstances, consents, businesses and the permits due soon, for one community."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from jiayuan.directory.models import Department
from jiayuan.registry.choices import ConsentPurpose, ConsentStatus
from jiayuan.registry.demo import names as N
from jiayuan.registry.demo import profiles as P
from jiayuan.registry.demo.generator import REFERENCE_DATE, age_on, between, pick
from jiayuan.registry.models import Business, Circumstance, Consent, Household, Person

if TYPE_CHECKING:
    from jiayuan.registry.demo.generator import CommunityBuilder

CONSENTS_FROM = date(2018, 6, 1)  # the station opened its files then
NOTES = {
    "elderly_alone": ("独居，子女在外地", "独居老人，需定期探访"),
    "left_behind_child": ("父母在外地务工，由祖父母照看",),
}
SIGN_LANGUAGE_NOTE = "听力残疾，使用手语"
# Residents withdraw these now and then; registry and sensitive consents stay
# given while the file and the details they cover are kept.
WITHDRAWABLE = (ConsentPurpose.PHOTO, ConsentPurpose.PORTAL_CONTACT, ConsentPurpose.REFERRAL)
DUPLICATE_SUFFIXES = ("东门店", "南门店", "北门店", "西门店", "菜场店", "路口店")


def _age(person: Person) -> int:
    return age_on(person.birth_date, REFERENCE_DATE)


def _guardian(household: Household, person: Person, on: date) -> Person | None:
    """The parent (or grandparent) who consents for a child under 14 on `on`."""
    if age_on(person.birth_date, on) >= 14:
        return None
    people = household.members_list
    parent = person.member.parent
    if person.member.role == "grandchild" and parent > 0:
        return people[parent]
    return people[0] if people[0] is not person else None


class CareWriter:
    def __init__(self, b: CommunityBuilder) -> None:
        self.b, self.rng, self.ctx = b, b.rng, b.ctx

    def consent(self, person: Person, purpose: str, on: date, *, household: Household,
                department: str = "", evidence: str = "") -> Consent:
        rng = self.rng
        on = max(on, person.birth_date)
        if not evidence:
            evidence = (f"家庭信息登记表 {on.year}-{rng.randint(1, 999):04d} 号，本人签字"
                        if rng.random() < 0.7 else
                        f"服务站窗口口头同意，见证人：{self.ctx.recorder_name}")
        guardian = _guardian(household, person, on)
        if guardian is not None:
            evidence = f"监护人 {guardian.name} 代为同意并签字"
        department_id = self._department_ids().get(department) if department else None
        consent = Consent(pk=self.ctx.ids.take("consent"), person_id=person.pk, purpose=purpose,
                          department_id=department_id,
                          department_text="" if department_id else department,
                          status=ConsentStatus.GIVEN, recorded_on=on,
                          recorded_by_id=self.ctx.recorder_id, evidence=evidence,
                          guardian_id=guardian.pk if guardian else None)
        if purpose in WITHDRAWABLE and rng.random() < 0.04:
            withdrawn = between(rng, on + timedelta(days=10), REFERENCE_DATE - timedelta(days=1))
            if withdrawn > on:
                consent.status, consent.withdrawn_on = ConsentStatus.WITHDRAWN, withdrawn
        self.b.batch.consents.append(consent)
        return consent

    def _department_ids(self) -> dict[str, int]:
        """The directory's departments by name (loaded before the first
        community): a referral consent names one; a name not on the list (the
        demo's 街道司法所) keeps only its text, as an unmatched old consent."""
        if not hasattr(self.ctx, "department_ids"):
            self.ctx.department_ids = {d.name_zh_hans: d.pk for d in Department.objects.all()}
        return self.ctx.department_ids

    def circumstance(self, household: Household) -> list[Circumstance]:
        rng = self.rng
        people = [p for p in household.members_list if p.left_on is None]
        head = people[0]
        start_from = max(household.moved_in, REFERENCE_DATE - timedelta(days=2500))
        left_behind = [p for p in people if p.member.role == "grandchild" and p.member.parent == -1]
        if len(people) == 1 and _age(head) >= 66 and rng.random() < 0.45:
            kind, person, note = "elderly_alone", head, rng.choice(NOTES["elderly_alone"])
        elif left_behind and rng.random() < 0.35:
            kind, person = "left_behind_child", left_behind[0]
            note = NOTES["left_behind_child"][0]
        elif rng.random() < 0.06:
            kind, _w, applies, notes = pick(rng, {c: c[1] for c in P.CIRCUMSTANCES})
            adults = [p for p in people if _age(p) >= 18] or [head]
            elders = [p for p in adults if _age(p) >= 50] or adults
            person = {"household": None, "adult": rng.choice(adults),
                      "elder": rng.choice(elders)}[applies]
            note = rng.choice(notes)
            if note == SIGN_LANGUAGE_NOTE and person is not None:
                person.languages = sorted({*person.languages, "sgn"})
        else:
            return []
        started = between(rng, start_from, REFERENCE_DATE - timedelta(days=30))
        ended = None
        if kind not in ("elderly_alone", "disability") and rng.random() < 0.2:
            ended = between(rng, started + timedelta(days=60), REFERENCE_DATE - timedelta(days=5))
            ended = ended if ended <= REFERENCE_DATE else None
        item = Circumstance(pk=self.ctx.ids.take("circumstance"), household_id=household.pk,
                            person_id=person.pk if person else None, kind=kind,
                            started=started, ended=ended, note=note)
        item.person_obj = person
        self.b.batch.circumstances.append(item)
        return [item]

    def household(self, household: Household) -> None:
        rng = self.rng
        people = household.members_list
        head = people[0]
        last = (household.moved_out or REFERENCE_DATE) - timedelta(days=7)
        first = min(max(household.moved_in, CONSENTS_FROM), last)
        if rng.random() < 0.9:
            self.consent(head, ConsentPurpose.REGISTRY, between(rng, first, last),
                         household=household)
        items = [] if household.moved_out else self.circumstance(household)
        # Sensitive details exist only under a consent that covers them, as the
        # services enforce: the head for festivals and household-wide
        # circumstances, each person for their own ethnic group or circumstance.
        subjects = [p for p in people if p.ethnicity]
        if household.festivals or items:
            subjects.insert(0, head)
        subjects += [i.person_obj for i in items if i.person_obj is not None]
        if subjects:
            on = between(rng, max(first, items[0].started if items else first), last)
            seen: set[int] = set()
            for subject in subjects:
                if subject.pk not in seen:
                    seen.add(subject.pk)
                    self.consent(subject, ConsentPurpose.SENSITIVE, on, household=household)
        if household.moved_out:
            return
        if items and rng.random() < 0.3:
            subject = items[0].person_obj or head
            self.consent(subject, ConsentPurpose.REFERRAL,
                         between(rng, max(first, items[0].started), last), household=household,
                         department=P.DEPARTMENTS[items[0].kind])
        elif rng.random() < 0.006:
            self.consent(head, ConsentPurpose.REFERRAL, between(rng, first, last),
                         household=household, department=rng.choice(P.OTHER_REFERRALS))
        children = [p for p in people if _age(p) < 14 and p.left_on is None]
        if children and rng.random() < 0.04:
            self.consent(rng.choice(children), ConsentPurpose.PHOTO, between(rng, first, last),
                         household=household, evidence="社区活动照片使用同意书")
        adults = [p for p in people if _age(p) >= 18 and p.left_on is None]
        if adults and rng.random() < 0.03:
            self.consent(rng.choice(adults), ConsentPurpose.PORTAL_CONTACT,
                         between(rng, first, last), household=household,
                         evidence="线上提交诉求时勾选同意")


def add_care_and_consents(b: CommunityBuilder) -> None:
    writer = CareWriter(b)
    for household in b.batch.households:
        writer.household(household)
    # A handful of permits fall due within 30 days of the demo's today (the only
    # dates not fixed by the seed), so permit reminders have something to show.
    holders = [p for p in b.batch.people if p.permit_number and p.left_on is None]
    chosen = b.rng.sample(holders, min(len(holders), max(3, round(len(holders) * 0.01))))
    for person in chosen:
        person.permit_expiry = b.ctx.today + timedelta(days=b.rng.randint(1, 30))


def _short(person: Person) -> str:
    """What a shop sign would call the owner: surname, or the given name."""
    name = person.name
    if "·" in name:
        return name.split("·")[0]
    if name[:2] in ("欧阳", "司马", "诸葛", "上官"):
        return name[:2]
    if len(name) <= 3 and name[0] in N.ALL_SURNAMES:
        return name[0]
    return name


def _job(name: str, kind: str) -> str:
    for word, job in (("拉面", "拉面店经营"), ("干果", "干果店经营"), ("水果摊", "水果摊主"),
                      ("烤串", "烤串摊主"), ("烤馕", "馕坑烤馕师傅"), ("冷面", "冷面馆经营"),
                      ("理发", "理发师"), ("水果店", "水果店经营")):
        if word in name:
            return job
    return P.BUSINESS_JOBS[kind]


def add_businesses(b: CommunityBuilder) -> None:
    rng = b.rng
    grid_of = {g.pk: g for g in b.batch.grids}
    households = {h.pk: h for h in b.batch.households}
    candidates: dict[str, list[Person]] = {}
    for household in b.batch.households:
        if household.moved_out:
            continue
        for person in household.members_list:
            if person.left_on is None and 22 <= _age(person) <= 62:
                candidates.setdefault(b.group_of[person.pk].key, []).append(person)
    everyone = [p for group in candidates.values() for p in group]
    templates = [t for t in P.BUSINESSES if not t[0] or candidates.get(t[0])]
    used_names: set[str] = set()
    owners: set[int] = set()
    counters = {"road": 0, "market": 0, "night": 0}
    planned: list[tuple] = []
    anchor = getattr(b, "anchor_household", None)
    if anchor is not None:
        son = anchor.members_list[2]  # 郑成浩 runs the cold-noodle restaurant
        planned.append((("korean", "restaurant", "延边朝鲜族冷面馆", "road", 0), son))
        owners.add(son.pk)
    weights = {t: t[4] for t in templates}
    for _draw in range(b.n_businesses * 10 if everyone else 0):
        if len(planned) >= b.n_businesses:
            break
        template = pick(rng, weights)
        pool = candidates.get(template[0]) if template[0] else everyone
        for _attempt in range(5):
            owner = rng.choice(pool)
            if owner.pk not in owners:
                owners.add(owner.pk)
                planned.append((template, owner))
                break
    for (_group, kind, pattern, place, _w), owner in planned:
        grid = grid_of[owner.grid_id]
        name = pattern.format(s=_short(owner), estate=grid.estate, road=b.road)
        if name in used_names and "{s}" not in pattern:
            name = f"{_short(owner)}家{name}"
        for suffix in DUPLICATE_SUFFIXES:
            if name not in used_names:
                break
            name = f"{name.split('（')[0]}（{suffix}）"
        used_names.add(name)
        dwelling_id, address = None, ""
        if place == "home":
            dwelling_id = households[owner.household_id].dwelling_id
        elif place == "ground" and any(d.room.startswith("1") for d in b.vacant[grid.pk]):
            dwelling_id = b.take_dwelling(grid, ground=True).pk
        else:
            where = place if place in counters else "road"
            counters[where] += 1
            n = counters[where]
            address = {"road": f"{b.road}{n * 2 + 6}号", "market": f"{b.base}农贸市场{n}号摊位",
                       "night": f"{b.road}夜市{n}号摊位"}[where]
        owner.occupation = _job(name, kind)
        b.batch.businesses.append(Business(
            pk=b.ctx.ids.take("business"), grid_id=grid.pk, name=name, kind=kind,
            owner_id=owner.pk, dwelling_id=dwelling_id, address=address,
            licence_note=rng.choice(P.LICENCE_NOTES[kind])))
