"""What is typed into the search box never travels in an address: the form
posts it, the query is kept in the session under a short key, and the results
page is /search/?k=<key> (jiayuan.registry.views_search, jiayuan.core.querykeys)."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from jiayuan.core.logfilters import RedactSecretPaths
from jiayuan.core.querykeys import KEEP
from tests.conftest import ZHENG_ID

PHONE = "13812345678"  # 鄭容哲's, the household fixture's head


def signed_in(user: Any, **kwargs: Any) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


def addresses(response: Any) -> list[str]:
    """Every address the client asked for on the way (each hop of the redirects)."""
    hops = [r for r, _status in response.redirect_chain]
    seen = [f"{response.request['PATH_INFO']}?{response.request.get('QUERY_STRING', '')}"]
    return hops + seen


def search(client: Client, q: str) -> Any:
    return client.post(reverse("search"), {"q": q}, follow=True)


@pytest.mark.parametrize("typed", [ZHENG_ID, PHONE, PHONE[-4:]])
def test_it_finds_by_an_identifier_without_it_in_any_address(household, head, typed):
    client = signed_in(head)
    response = search(client, typed)
    assert response.status_code == 200
    assert [h.person.pk for h in response.context["hits"]] == [household.head_id]
    hops = addresses(response)
    assert len(hops) == 2 and hops[-1].startswith("/search/?k="), hops
    # Not the number, nor any run of its digits a log would keep.
    for address in hops:
        assert typed not in address and typed[-4:] not in address, address
    # The first hop was the POST itself, to /search/ with nothing after it.
    assert response.redirect_chain[0][1] == 303


def test_the_back_button_and_a_reload_show_the_same_results(household, head):
    client = signed_in(head)
    first = search(client, PHONE)
    results_url = first.redirect_chain[-1][0]
    again = client.get(results_url)
    assert again.status_code == 200
    assert again.context["q"] == PHONE
    assert [h.person.pk for h in again.context["hits"]] == [household.head_id]
    assert reverse("person_detail", kwargs={"pk": household.head_id}) in again.content.decode()
    # Names and numbers on the page: not stored by the browser's cache.
    assert "no-store" in again["Cache-Control"]


def test_another_users_key_shows_the_empty_form(household, head, personas):
    results_url = search(signed_in(head), PHONE).redirect_chain[-1][0]
    other = signed_in(personas["caseworker"])
    response = other.get(results_url, follow=True)
    assert response.status_code == 200
    assert response.context["q"] == "" and response.context["hits"] == []
    assert PHONE not in response.content.decode()
    assert "鄭容哲" not in response.content.decode()


@pytest.mark.parametrize("key", ["nope", "", "x" * 500, "../../"])
def test_an_unknown_key_is_the_empty_form_with_a_message(household, head, key):
    client = signed_in(head)
    search(client, PHONE)
    response = client.get(reverse("search"), {"k": key})
    assert response.status_code == 200
    assert response.context["hits"] == []
    if key:
        assert [str(m) for m in response.context["messages"]] == [
            "该搜索已不再保留，请重新输入。"]


def test_only_the_last_few_queries_are_kept(household, head):
    client = signed_in(head)
    oldest = search(client, PHONE).redirect_chain[-1][0]
    for n in range(KEEP):
        search(client, f"no-one-{n}")
    assert client.get(oldest).context["q"] == ""  # dropped: the empty form
    newest = search(client, ZHENG_ID).redirect_chain[-1][0]
    assert client.get(newest).context["q"] == ZHENG_ID
    assert len(client.session["query_keys"]) == KEEP


def test_the_same_query_again_keeps_its_key_and_is_kept_longest(household, head):
    client = signed_in(head)
    first = search(client, PHONE).redirect_chain[-1][0]
    for n in range(KEEP - 1):
        search(client, f"no-one-{n}")
    assert search(client, PHONE).redirect_chain[-1][0] == first  # back to it still works
    search(client, "one-more")  # drops the oldest, no longer PHONE's
    assert client.get(first).context["q"] == PHONE


def test_a_forged_post_without_the_csrf_token_is_refused(household, head):
    client = signed_in(head, enforce_csrf_checks=True)
    response = client.post(reverse("search"), {"q": PHONE})
    assert response.status_code == 403
    assert "query_keys" not in client.session
    # With the token of the page's own form, it goes through.
    page = client.get(reverse("search"))
    token = page.context["csrf_token"]
    ok = client.post(reverse("search"), {"q": PHONE, "csrfmiddlewaretoken": str(token)})
    assert ok.status_code == 303 and ok.url.startswith("/search/?k=")


def test_htmx_gets_the_results_list_at_once(household, head):
    client = signed_in(head)
    response = client.post(reverse("search"), {"q": PHONE}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == "registry/_search_results.html"
    assert "query_keys" not in client.session  # nothing to come back to


def test_an_old_address_with_the_query_is_moved_to_a_key(household, head):
    client = signed_in(head)
    response = client.get(reverse("search"), {"q": PHONE})
    assert response.status_code == 303 and PHONE not in response.url
    assert client.get(response.url).context["q"] == PHONE


def test_the_pickers_read_what_was_typed_from_the_post_only(household, personas):
    client = signed_in(personas["caseworker"])
    url = reverse("requester_search")
    assert f"?pick={household.head_id}" in client.post(url, {"q": PHONE}).content.decode()
    assert "?pick=" not in client.get(url, {"q": PHONE}).content.decode()


def test_the_log_filter_masks_a_query_in_a_logged_address():
    record = logging.LogRecord("django.server", logging.INFO, __file__, 1, '"%s" %s %s',
                               (f"GET /search/?q={PHONE}&x=1 HTTP/1.1", "303", "0"), None)
    RedactSecretPaths().filter(record)
    assert PHONE not in record.args[0] and "x=1" in record.args[0]
    typeahead = logging.LogRecord("django.request", logging.WARNING, __file__, 1,
                                  f"Not Found: /households/pick/?dwelling_q={PHONE}", (), None)
    RedactSecretPaths().filter(typeahead)
    assert PHONE not in typeahead.msg


# --- the volunteers' list: its search finds people by name -------------------------

def test_the_volunteer_search_keeps_the_name_out_of_the_address(personas):
    from jiayuan.engage.choices import VolunteerRole
    from jiayuan.engage.volunteers.services import volunteer_register

    head = personas["head"]
    volunteer_register(actor=head, user=personas["gridworker"], roles=[VolunteerRole.SERVICE])
    client = signed_in(head)
    typed = personas["gridworker"].username
    response = client.post(reverse("volunteer_list"), {"q": typed, "status": "active"},
                           follow=True)
    assert response.status_code == 200 and response.context["q"] == typed
    for address in addresses(response):
        assert typed not in address, address
    assert "status=active" in addresses(response)[-1]
    assert len(response.context["rows"]) == 1
    # The key alone, on another account: the list unfiltered, with a message.
    other = signed_in(personas["coordinator"]).get(addresses(response)[-1])
    assert other.context["q"] == ""
