"""Journey: a grid worker of grid B (`outsider`) tries every object of the
other journeys that lives in grid A: by URL, through the header search and
the search page, and through the pickers' URLs.

Every object page answers 404 with exactly the body of a page for an id that
does not exist (nothing tells "exists but not yours" from "no such thing"),
the searches find nothing, and each probe of an existing object is in the
audit log as a denied access.
"""

from __future__ import annotations

from typing import Any

from django.test import Client

from jiayuan.care.models import Dispute, Duty, Pairing, Visit
from jiayuan.core.models import AuditAction, AuditEntry
from jiayuan.desk.models import Case, Referral
from jiayuan.registry.models import Business, Household, Person
from jiayuan.sheets.models import ImportBatch
from tests.journeys.conftest import PHONE, assert_audit_intact, browser, login, shot  # noqa: F401
from tests.world import grid_a_world  # noqa: F401 (fixture)

PHONE_NUMBER = "13812345678"


def missing(model: Any) -> int:
    """An id no row of `model` has."""
    last = model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    return last + 1000


def object_urls(w: dict) -> list[tuple[str, str]]:
    """(url of the grid-A object, the same url for an id that does not exist)."""
    h, p, c, r = w["household"], w["person"], w["case"], w["referral"]
    d, v, pa, b, bt = w["dispute"], w["visit"], w["pairing"], w["business"], w["batch"]
    mh, mp, mc, mr = missing(Household), missing(Person), missing(Case), missing(Referral)
    md, mv, mpa, mb = missing(Dispute), missing(Visit), missing(Pairing), missing(Business)
    mbt, mdu = missing(ImportBatch), missing(Duty)
    pairs = [
        ("/households/{}/", h.pk, mh), ("/households/{}/edit/", h.pk, mh),
        ("/households/{}/print.pdf", h.pk, mh), ("/people/{}/", p.pk, mp),
        ("/people/{}/edit/", p.pk, mp), ("/desk/cases/{}/", c.pk, mc),
        ("/desk/cases/{}/", w["second"].pk, mc),
        ("/desk/cases/{}/edit/", c.pk, mc), ("/desk/cases/{}/receipt/", c.pk, mc),
        ("/desk/referrals/{}/letter.pdf", r.pk, mr),
        ("/care/disputes/{}/", d.pk, md), ("/care/disputes/{}/agreement.pdf", d.pk, md),
        ("/care/disputes/{}/parties/search/?q=郑", d.pk, md),
        ("/care/visits/{}/", v.pk, mv), ("/care/pairings/{}/", pa.pk, mpa),
        ("/businesses/{}/", b.pk, mb), ("/businesses/{}/edit/", b.pk, mb),
        ("/sheets/imports/{}/", bt.pk, mbt), ("/sheets/imports/{}/errors.xlsx", bt.pk, mbt),
        # The pickers and the forms they pre-fill.
        ("/desk/new/?person={}", p.pk, mp), ("/desk/new/requester/?pick={}", p.pk, mp),
        ("/care/visits/?household={}", h.pk, mh), ("/care/visits/new/?household={}", h.pk, mh),
        ("/care/visits/new/?duty={}", w["duty"].pk, mdu),
        ("/care/visits/new/?business={}", b.pk, mb),
        ("/care/visits/new/households/?pick={}", h.pk, mh),
        ("/care/pairings/new/?household={}", h.pk, mh),
        ("/care/pairings/new/households/?pick={}", h.pk, mh),
        ("/care/pairings/new/people/?pick={}", p.pk, mp),
        ("/care/disputes/new/?case={}", c.pk, mc),
        ("/care/disputes/new/?household={}", h.pk, mh),
        ("/care/disputes/new/?business={}", b.pk, mb),
        ("/businesses/owner-search/?pick={}", p.pk, mp),
    ]
    return [(t.format(real), t.format(fake)) for t, real, fake in pairs]


def test_an_out_of_scope_worker_finds_nothing_of_another_grid(
        live_server: Any, personas: dict, household_b: Any,
        grid_a_world: dict,  # noqa: F811
        browser: Any) -> None:  # noqa: F811
    w = grid_a_world
    page = login(browser, live_server, "outsider", viewport=PHONE)
    base = live_server.url

    # 1. Every object, and every picker, by URL: 404, same body as a missing id.
    statuses: dict[str, int] = {}
    for real, fake in object_urls(w):
        answer = page.goto(base + real)
        body = page.content()
        expected = page.goto(base + fake)
        assert body == page.content(), real
        assert answer.status == expected.status, real
        statuses[real] = answer.status
    # A grid worker may not mediate or refer: opening a dispute, its parties'
    # picker and a referral letter are refused before any lookup, for a missing
    # object exactly as for these.
    forbidden = {u for u, s in statuses.items() if s == 403}
    assert forbidden == {u for u in statuses if u.startswith("/care/disputes/new/")} | {
        f"/care/disputes/{w['dispute'].pk}/parties/search/?q=郑",
        f"/desk/referrals/{w['referral'].pk}/letter.pdf"}, statuses
    assert set(statuses.values()) == {403, 404}
    shot(page, "outsider-404")

    # 2. The header search, typed as a person would, and the search page.
    own = Client()  # the grid-A worker, as a control (not a browser step)
    own.force_login(personas["gridworker"])
    names = [w["person"].name, "郑容哲", "zrz", PHONE_NUMBER, str(w["household"].dwelling),
             "朝鲜族冷面馆"]
    page.goto(base + "/")
    box = page.locator("header .searchbox input[name=q]")
    for q in names:
        box.fill("")
        with page.expect_response(lambda r: "/search/" in r.url):
            box.type(q, delay=20)
        page.wait_for_timeout(300)  # the last keystroke's answer has landed
        results = page.locator("#quick-results")
        assert "/households/" not in results.inner_html(), q
        assert "/people/" not in results.inner_html(), q
    box.press("Enter")
    page.wait_for_url("**/search/?k=*")
    for q in names:
        field = page.locator("main form input[name=q]")
        field.fill(q)
        field.press("Enter")
        page.wait_for_load_state()
        main = page.locator("main").inner_html()
        assert "/households/" not in main and "/people/" not in main, q
        assert page.locator("#results a").count() == 0, q
        assert "未找到" in page.locator("#results").inner_text(), q
    shot(page, "outsider-search")
    # The same searches find 郑容哲 for the grid-A worker: the emptiness above is scope.
    for q in names[:4]:
        assert "/people/" in own.post("/search/", {"q": q}, follow=True).content.decode(), q

    # 3. The pickers' own searches (posted, as the pickers do: what was typed
    # stays out of the address) show nothing of grid A.
    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    for url, q in (("/desk/new/requester/", "郑容哲"), ("/care/visits/new/households/", "郑"),
                   ("/care/pairings/new/households/", "郑"), ("/care/pairings/new/people/", "郑"),
                   ("/businesses/owner-search/", PHONE_NUMBER)):
        answer = page.request.post(base + url, form={"q": q}, headers={"X-CSRFToken": csrf})
        assert answer.status == 200, url
        # Nothing to pick: no result carries a pick link, only "not found".
        assert "pick=" not in answer.text(), url
        # ...while the grid-A worker, asking the same, is offered 郑容哲.
        assert "pick=" in own.post(url, {"q": q}).content.decode(), url

    # The dwelling picker offers only the worker's own grids' dwellings.
    dwelling = w["household"].dwelling
    code = f"{dwelling.building.number}-{dwelling.unit}-{dwelling.room}"
    url = f"/households/pick/dwellings/?field=dwelling&dwelling_q={code}"
    answer = page.goto(base + url)
    assert answer.status == 200, url
    assert f'value="{dwelling.pk}"' not in page.content(), url
    assert f'value="{dwelling.pk}"' in own.get(url).content.decode(), url

    # 4. The lists a grid-B worker reads do not show grid A either.
    for url in ("/households/", "/desk/", "/desk/referrals/", "/care/duties/?tab=open",
                "/care/visits/?view=week", "/care/disputes/", "/care/disputes/followups/",
                "/care/pairings/?tab=active", "/businesses/", "/sheets/imports/"):
        page.goto(base + url)
        html = page.content()
        for secret in (w["person"].name, w["case"].ref, w["dispute"].ref, "朝鲜族冷面馆",
                       "第一网格花名册"):
            assert secret not in html, (url, secret)

    # The audit log shows the probing: each existing object, denied.
    denied = set(AuditEntry.objects.filter(
        action=AuditAction.DENIED, actor_id=personas["outsider"].pk).values_list(
            "object_type", flat=True))
    assert {"registry.household", "registry.person", "desk.case", "care.dispute",
            "care.visit", "care.pairing", "registry.business",
            "sheets.importbatch"} <= denied, denied
    assert_audit_intact()
