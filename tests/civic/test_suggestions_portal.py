"""The portal's suggestion pages: send one (anonymous or with a contact),
follow it with its reference and code, "you said, we did"; no personal data
shown; floods and guesses refused."""

from __future__ import annotations

import re
import time
from datetime import date, timedelta
from typing import Any

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse

from jiayuan.civic.choices import Stage
from jiayuan.civic.models import Suggestion
from jiayuan.civic.suggestions import services
from jiayuan.civic.suggestions.selectors import status_for_stage
from jiayuan.desk.portal.forms import issue_stamp

ADDR = "192.0.2.20"  # TEST-NET-1
PHONE = "13912345678"


def visitor(lang: str = "en", ip: str = ADDR) -> Client:
    client = Client(REMOTE_ADDR=ip)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    return client


def data(**overrides: Any) -> dict[str, Any]:
    out = {"title": "楼下装路灯", "category": "lighting", "body": "五号楼下晚上太黑了",
           "contact_name": "马大姐", "contact_phone": PHONE, "website": "",
           "stamp": issue_stamp(now=time.time() - 10)}
    out.update(overrides)
    return out


def status_url(s: Suggestion, token: str | None = None) -> str:
    return reverse("portal_idea_status", kwargs={"ref": s.ref,
                                                 "token": token or s.public_token})


@pytest.fixture
def adopted(personas: Any, grid_a: Any, household: Any) -> Suggestion:
    """A suggestion entered for 鄭容哲, adopted into a project."""
    head = personas["head"]
    s = services.suggestion_create(actor=head, title="清真餐角", body="社区食堂设清真窗口",
                                   category="services", person=household.head)
    services.suggestion_adopt(actor=head, suggestion=s, public_reason="纳入食堂改造",
                              owner=head, starts_on=date.today(),
                              ends_on=date.today() + timedelta(days=30))
    s.refresh_from_db()
    return s


@pytest.mark.parametrize("lang", ["zh-hans", "zh-hant", "en"])
def test_every_page_renders_in_each_language(adopted: Suggestion, lang: str) -> None:
    client = visitor(lang)
    for url in (reverse("portal_idea_new"), reverse("portal_ideas_done"),
                reverse("portal_idea_lookup"), status_url(adopted)):
        response = client.get(url)
        assert response.status_code == 200, url
        assert f'<html lang="{lang}">' in response.content.decode(), url


def test_sending_one_shows_the_reference_and_code_once(community: Any) -> None:
    client = visitor()
    response = client.post(reverse("portal_idea_new"), data())
    s = Suggestion.objects.get()
    assert response.status_code == 302 and response["Location"] == status_url(s)
    page = client.get(status_url(s)).content.decode()
    assert s.public_token in page.split("</header>")[1].split("<footer>")[0] or s.ref in page
    assert "Thank you" in page
    again = client.get(status_url(s)).content.decode()
    assert "Thank you" not in again
    assert s.contact_phone_mask and s.source == "portal"


def test_an_anonymous_idea_is_accepted(community: Any) -> None:
    response = visitor().post(reverse("portal_idea_new"),
                              data(contact_name="", contact_phone=""))
    assert response.status_code == 302
    assert Suggestion.objects.get().contact_name == ""


def test_bad_input_names_the_field_and_saves_nothing(community: Any) -> None:
    response = visitor().post(reverse("portal_idea_new"), data(contact_phone="12", title=""))
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_contact_phone_error"' in html and 'id="id_title_error"' in html
    assert not Suggestion.objects.exists()


def test_a_filled_honeypot_creates_nothing(community: Any) -> None:
    response = visitor().post(reverse("portal_idea_new"), data(website="http://spam"))
    assert response.status_code == 302 and not Suggestion.objects.exists()


@override_settings(PORTAL_MAX_PER_SOURCE_HOUR=2)
def test_a_flood_gets_a_clear_429(community: Any) -> None:
    client = visitor()
    for _ in range(2):
        assert client.post(reverse("portal_idea_new"), data()).status_code == 302
    response = client.post(reverse("portal_idea_new"), data())
    assert response.status_code == 429
    assert "Too many requests" in response.content.decode()
    assert Suggestion.objects.count() == 2


def _without_csrf_value(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)


def _without_csrf(response: Any) -> str:
    return _without_csrf_value(response.content.decode())


def test_wrong_reference_and_wrong_code_look_the_same(adopted: Suggestion) -> None:
    client = visitor()
    wrong_code = client.get(status_url(adopted, token="x" * 22))
    missing = client.get(reverse("portal_idea_status",
                                 kwargs={"ref": "TST-J-1999-00001", "token": "x" * 22}))
    assert wrong_code.status_code == missing.status_code == 404
    assert _without_csrf(wrong_code) == _without_csrf(missing)


def test_the_status_page_shows_no_personal_data(adopted: Suggestion, household: Any) -> None:
    html = visitor("zh-hans").get(status_url(adopted)).content.decode()
    assert "纳入食堂改造" in html and "清真餐角" in html
    # The owner's username ("head") must not show; random tokens may hold those letters.
    main = _without_csrf_value(html.split("<main>")[1]).replace(adopted.public_token, "")
    assert household.head.name not in html and "head" not in main


def test_a_merged_one_says_into_which(personas: Any, grid_a: Any, adopted: Suggestion) -> None:
    head = personas["head"]
    dup = services.suggestion_create(actor=head, title="清真窗口", body="同上",
                                     category="services", grid=grid_a)
    services.suggestion_merge(actor=head, suggestion=dup, into=adopted,
                              public_reason="与已采纳的建议相同")
    html = visitor().get(status_url(dup)).content.decode()
    assert adopted.ref in html and "与已采纳的建议相同" in html
    assert adopted.public_token not in html


def test_you_said_we_did_lists_adopted_and_done_without_personal_data(
        personas: Any, grid_a: Any, adopted: Suggestion, household: Any,
        community: Any) -> None:
    head = personas["head"]
    services.suggestion_create(actor=head, title="还在讨论", body="x", category="other",
                               grid=grid_a)
    done = services.suggestion_portal_submit(community=community, title="无障碍坡道",
                                             body="x", category="accessibility",
                                             source="s", contact_name="李先生",
                                             contact_phone=PHONE)
    for stage in (Stage.DISCUSSING, Stage.DONE):
        services.suggestion_set_status(actor=head, suggestion=done,
                                       status=status_for_stage(community.pk, stage),
                                       public_reason=f"理由{stage}")
    html = visitor().get(reverse("portal_ideas_done")).content.decode()
    assert "清真餐角" in html and "无障碍坡道" in html and "还在讨论" not in html
    for secret in ("李先生", "5678", household.head.name, done.public_token):
        assert secret not in html


def test_the_lookup_form_opens_the_page(adopted: Suggestion) -> None:
    response = visitor().get(reverse("portal_idea_lookup"),
                             {"ref": adopted.ref.lower(), "code": adopted.public_token})
    assert response.status_code == 302 and response["Location"] == status_url(adopted)
    bad = visitor().get(reverse("portal_idea_lookup"), {"ref": adopted.ref, "code": "nope"})
    assert bad.status_code == 404


def test_you_said_we_did_issues_a_bounded_number_of_queries(
        personas: Any, grid_a: Any, community: Any, django_assert_max_num_queries: Any) -> None:
    head = personas["head"]

    def adopt(n: int) -> None:
        s = services.suggestion_create(actor=head, title=f"点子{n}", body="x",
                                       category="greening", grid=grid_a)
        services.suggestion_adopt(actor=head, suggestion=s, public_reason="采纳", owner=head,
                                  starts_on=date.today(),
                                  ends_on=date.today() + timedelta(days=9))

    adopt(0)
    client = visitor()
    with django_assert_max_num_queries(6):
        client.get(reverse("portal_ideas_done"))
    for n in range(1, 12):
        adopt(n)
    with django_assert_max_num_queries(6):
        html = client.get(reverse("portal_ideas_done")).content.decode()
    assert "点子11" in html


def test_an_adopted_ideas_public_project_is_linked_from_its_pages(adopted: Suggestion) -> None:
    # The link was built from the project's pk, which the portal's project
    # address does not take: it was never shown.
    project = adopted.project
    link = reverse("portal_project", args=[project.ref])
    client = visitor("zh-hans")
    for url in (status_url(adopted), reverse("portal_ideas_done")):
        html = client.get(url).content.decode()
        assert f'href="{link}"' in html, url
    assert client.get(link).status_code == 200
    project.public = False
    project.save(update_fields=["public"])
    html = client.get(status_url(adopted)).content.decode()
    assert link not in html and project.title in html
