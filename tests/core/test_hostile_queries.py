"""No query string and no POST value can produce a 500.

Every route of the URLconf (so a page added later is swept too): those with
no path argument as they are, those with integer ids filled with a real
object of grid A (tests/world.py). Each is requested with every parameter
name the view itself reads (recorded while it runs: QueryDict reads are
watched) set to each hostile value, as a station head and as a grid worker.
POST forms get the same treatment for every field they read, with the other
fields set to a plausible id.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from django.http import QueryDict
from django.urls import URLPattern, URLResolver, get_resolver

from tests.world import grid_a_world  # noqa: F401 (fixture)

HOSTILE = ["²", "-1", "1e99", str(10**24), "'", "", "abc", "\x00"]
SKIP_PREFIXES = ("/admin/", "/logout/", "/i18n/", "/login/")


@contextlib.contextmanager
def reads() -> Iterator[set[str]]:
    """The keys any QueryDict (request.GET or request.POST) is asked for."""
    seen: set[str] = set()
    originals = {n: getattr(QueryDict, n) for n in ("get", "getlist", "__getitem__",
                                                     "__contains__")}

    def watch(name: str) -> Any:
        original = originals[name]

        def wrapper(self: Any, key: Any, *args: Any, **kwargs: Any) -> Any:
            if isinstance(key, str):
                seen.add(key)
            return original(self, key, *args, **kwargs)
        return wrapper

    for name in originals:
        setattr(QueryDict, name, watch(name))
    try:
        yield seen
    finally:
        for name, original in originals.items():
            setattr(QueryDict, name, original)


def routes(resolver: Any = None, prefix: str = "") -> list[str]:
    """Every route of the URLconf, converters left in (`/households/<int:pk>/`)."""
    resolver = resolver or get_resolver()
    out = []
    for p in resolver.url_patterns:
        route = prefix + str(p.pattern)
        if route.startswith("^"):
            continue
        if isinstance(p, URLResolver):
            out.extend(routes(p, route))
        elif isinstance(p, URLPattern):
            out.append("/" + route)
    return [r for r in out if not r.startswith(SKIP_PREFIXES)]


def plain_routes() -> list[str]:
    return [r for r in routes() if "<" not in r]


# Which object a route's <int:pk> names, by the route's start (longest first).
OBJECT_OF_PREFIX = {
    "/households/": "household", "/people/": "person", "/desk/cases/": "case",
    "/desk/referrals/": "referral", "/care/disputes/": "dispute", "/care/visits/": "visit",
    "/care/pairings/": "pairing", "/businesses/": "business", "/sheets/imports/": "batch",
}


def object_routes(world: dict) -> list[str]:
    """Every route whose only converters are integers, filled with a real
    object of grid A (other integers: 1). A route with a text converter (a
    token, a queue code) is left out: its value is not a filter."""
    out = []
    for route in routes():
        if "<" not in route or re.search(r"<(?!int:)", route):
            continue
        prefix = max((p for p in OBJECT_OF_PREFIX if route.startswith(p)), key=len,
                     default=None)
        if prefix is None:
            continue
        pk = str(world[OBJECT_OF_PREFIX[prefix]].pk)
        out.append(re.sub(r"<int:(\w+)>", lambda m, pk=pk: pk if m[1] == "pk" else "1", route))
    return out


def hostile_queries(name: str) -> list[str]:
    return ([urlencode({name: v}) for v in HOSTILE]
            + [f"{name}=1&{name}=2", f"{name}=1&{name}=%C2%B2"])


@pytest.fixture
def pages(grid_a_world: dict) -> list[str]:  # noqa: F811
    return plain_routes() + object_routes(grid_a_world)


def sweep(client: Any, url: str, method: str) -> list[str]:
    send = client.get if method == "GET" else client.post
    with reads() as names:
        first = send(url)
    failures = [f"{method} {url}"] if first.status_code >= 500 else []
    done: set[str] = set()
    while names - done:
        name = sorted(names - done)[0]
        done.add(name)
        for q in hostile_queries(name):
            if method == "GET":
                with reads() as more:
                    r = client.get(f"{url}?{q}")
            else:
                body = QueryDict(q, mutable=True)
                for other in names - {name, "csrfmiddlewaretoken"}:
                    body.setdefault(other, "1")
                with reads() as more:
                    r = client.post(url, body.urlencode(),
                                    content_type="application/x-www-form-urlencoded")
            names |= more
            if r.status_code >= 500:
                failures.append(f"{method} {url}?{q}")
    return failures


@pytest.mark.parametrize("who", ["head", "gridworker"])
def test_it_never_answers_a_hostile_query_string_with_a_500(client: Any, personas: Any,
                                                            pages: list[str], who: str) -> None:
    client.raise_request_exception = False
    client.force_login(personas[who])
    assert "/households/" in pages and "/desk/referrals/" in pages
    assert any(p.startswith("/care/disputes/") and p.endswith("/close/") for p in pages)
    failures = [f for url in pages for f in sweep(client, url, "GET")]
    assert failures == []


@pytest.mark.parametrize("who", ["head", "gridworker"])
def test_it_never_answers_a_hostile_form_value_with_a_500(client: Any, personas: Any,
                                                          pages: list[str], who: str) -> None:
    client.raise_request_exception = False
    client.force_login(personas[who])
    failures = [f for url in pages for f in sweep(client, url, "POST")]
    assert failures == []


def test_it_names_the_ignored_filter_and_still_shows_the_list(client: Any, personas: Any,
                                                              household: Any) -> None:
    client.force_login(personas["head"])
    for query in ("grid=%C2%B2", f"grid={10**23}", "grid=-1", "residency='", "status=x"):
        response = client.get(f"/households/?{query}", HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 200
        html = response.content.decode()
        assert "was ignored" in html, query
        assert household.head.name in html  # the list, without that filter
    html = client.get(f"/households/?grid={household.grid_id}",
                      HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "was ignored" not in html and household.head.name in html


def test_a_referral_list_filter_that_does_not_parse_is_ignored(client: Any,
                                                               personas: Any) -> None:
    client.force_login(personas["head"])
    for query in ("department=%C2%B2", f"department={10**24}", "status=nope"):
        response = client.get(f"/desk/referrals/?{query}", HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert response.status_code == 200
        assert "已忽略筛选条件" in response.content.decode(), query
    html = client.get("/desk/referrals/?department=&status=").content.decode()
    assert "已忽略筛选条件" not in html


@pytest.mark.parametrize("url", ["/care/disputes/?tab=bogus", "/care/disputes/?kind=%C2%B2",
                                 "/care/pairings/?tab=%27", "/care/visits/?view=1e99",
                                 "/care/duties/?tab=-1"])
def test_the_care_lists_name_an_ignored_tab(client: Any, personas: Any, url: str) -> None:
    client.force_login(personas["head"])
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "was ignored" in response.content.decode()


@pytest.mark.parametrize("bad", [str(10**24), "-1", "²", "abc", str(2**63)])
def test_a_visit_with_a_hostile_visitor_id_is_the_form_again(client: Any, personas: Any,
                                                             household: Any, bad: str) -> None:
    from jiayuan.care.models import Visit

    client.force_login(personas["gridworker"])
    response = client.post("/care/visits/new/", {
        "idempotency_key": "2b0f6c1e-7a4b-4a0e-9a51-0c3f1d2e3a4b",
        "households": str(household.pk), "visited_at": "2026-03-02T10:00", "mode": "home",
        "purpose": "routine", "visitors": [str(personas["gridworker"].pk), bad],
        "found": "身体还好"})
    assert response.status_code in (200, 400)
    assert "visitors" in response.context["form"].errors
    assert not Visit.objects.exists()
