"""The business page (商户沟通): owner, premises, contact visits (newest first)
and disputes, each for the roles that may read them; 404 out of scope."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from jiayuan.care import services as care
from jiayuan.core.models import AuditEntry
from jiayuan.registry.models import Business
from tests.conftest import make_user

ALL = ("head", "caseworker", "gridworker", "mediator", "coordinator", "auditor", "admin",
       "outsider")
SEE_VISITS = {"head", "caseworker", "gridworker", "mediator", "coordinator", "auditor"}
SEE_DISPUTES = {"head", "caseworker", "gridworker", "mediator", "auditor"}
LOG_VISITS = {"head", "caseworker", "gridworker", "mediator", "coordinator"}
MEDIATE = {"head", "caseworker", "mediator"}


def client_for(client: Any, user: Any) -> Any:
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def shop(grid_a: Any, household: Any, dwelling_a2: Any) -> Business:
    """A noodle shop in grid A, owned by 郑容哲."""
    return Business.objects.create(grid=grid_a, name="延边冷面馆", kind="restaurant",
                                   owner=household.head, dwelling=dwelling_a2,
                                   licence_note="营业执照 2026 年到期")


@pytest.fixture
def shop_b(grid_b: Any) -> Business:
    return Business.objects.create(grid=grid_b, name="B网格水果店", kind="shop",
                                   address="幸福路 18 号")


def contact(actor: Any, business: Business, days_ago: int, found: str) -> Any:
    visit, _created = care.visit_log(
        actor=actor, business=business, mode="shop", purpose="merchant", found=found,
        visited_at=timezone.now() - timedelta(days=days_ago))
    return visit


@pytest.fixture
def history(personas: dict, shop: Business) -> dict[str, Any]:
    """Two contact visits and a commercial dispute with the shop as respondent."""
    worker = personas["gridworker"]
    old = contact(worker, shop, 20, "店主反映房租上涨")
    new = contact(worker, shop, 2, "消防通道已清理")
    dispute = care.dispute_create(actor=personas["mediator"], kind="commercial",
                                  source="walk_in", summary="顾客投诉冷面馆油烟扰民")
    care.party_add(actor=personas["mediator"], dispute=dispute, role="respondent",
                   business=shop)
    return {"old": old, "new": new, "dispute": dispute}


@pytest.mark.parametrize("role", ALL)
def test_it_shows_the_business_in_scope_to_every_registry_role(
        client: Any, personas: dict, shop: Business, history: dict, role: str) -> None:
    response = client_for(client, personas[role]).get(reverse("business_detail",
                                                               args=[shop.pk]))
    if role == "outsider":
        assert response.status_code == 404
        return
    assert response.status_code == 200
    html = response.content.decode()
    assert "延边冷面馆" in html and "营业执照 2026 年到期" in html
    assert ("消防通道已清理" in html) is (role in SEE_VISITS)
    assert ("顾客投诉冷面馆油烟扰民" in html) is (role in SEE_DISPUTES)
    assert (f'{reverse("visit_new")}?business={shop.pk}' in html) is (role in LOG_VISITS)
    assert (reverse("dispute_new") in html) is (role in MEDIATE)


def test_a_business_of_another_grid_is_not_found_and_the_attempt_audited(
        client: Any, personas: dict, shop_b: Business) -> None:
    response = client_for(client, personas["gridworker"]).get(
        reverse("business_detail", args=[shop_b.pk]))
    assert response.status_code == 404
    assert AuditEntry.objects.filter(action="denied", object_type="registry.business",
                                     object_id=str(shop_b.pk)).exists()
    assert client.get(reverse("business_detail", args=[987654])).status_code == 404


def test_a_role_without_registry_access_is_refused(client: Any, community: Any) -> None:
    nobody = make_user("nobody", "", community)
    shop = Business.objects.create(grid=community.grids.create(name="第三网格", code="G3"),
                                   name="小卖部", kind="shop")
    response = client_for(client, nobody).get(reverse("business_detail", args=[shop.pk]))
    assert response.status_code == 403


def test_it_needs_a_login(client: Any, shop: Business) -> None:
    response = client.get(reverse("business_detail", args=[shop.pk]))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_it_lists_the_visits_newest_first_and_links_them(client: Any, personas: dict,
                                                         shop: Business,
                                                         history: dict) -> None:
    html = client_for(client, personas["gridworker"]).get(
        reverse("business_detail", args=[shop.pk])).content.decode()
    assert html.index("消防通道已清理") < html.index("店主反映房租上涨")
    assert reverse("visit_detail", args=[history["new"].pk]) in html
    assert reverse("dispute_detail", args=[history["dispute"].pk]) in html


def test_it_shows_only_this_business_s_visits_and_disputes(client: Any, personas: dict,
                                                           shop: Business, grid_a: Any,
                                                           history: dict) -> None:
    other = Business.objects.create(grid=grid_a, name="隔壁超市", kind="shop")
    contact(personas["gridworker"], other, 1, "超市的走访")
    html = client_for(client, personas["head"]).get(
        reverse("business_detail", args=[other.pk])).content.decode()
    assert "超市的走访" in html
    assert "消防通道已清理" not in html and "顾客投诉冷面馆油烟扰民" not in html
    assert "No visits to this business yet." not in html
    assert "The business is not a party to any dispute." in html


def test_the_owner_links_to_their_file_only_in_scope(client: Any, personas: dict,
                                                     shop: Business, household_b: Any) -> None:
    c = client_for(client, personas["gridworker"])
    html = c.get(reverse("business_detail", args=[shop.pk])).content.decode()
    assert reverse("person_detail", args=[shop.owner_id]) in html and "鄭容哲" in html
    Business.objects.filter(pk=shop.pk).update(owner=household_b.head)
    html = c.get(reverse("business_detail", args=[shop.pk])).content.decode()
    assert "马忠华" not in html and "a resident of another grid" in html
    assert reverse("person_detail", args=[household_b.head_id]) not in html


def test_it_shows_the_premises_or_the_address(client: Any, personas: dict, shop: Business,
                                              shop_b: Business) -> None:
    c = client_for(client, personas["head"])
    assert "3-1-101" in c.get(reverse("business_detail", args=[shop.pk])).content.decode()
    assert "幸福路 18 号" in c.get(reverse("business_detail",
                                         args=[shop_b.pk])).content.decode()


def test_the_page_takes_the_same_queries_for_few_or_many_visits_and_disputes(
        client: Any, personas: dict, shop: Business, history: dict) -> None:
    c = client_for(client, personas["head"])

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(reverse("business_detail", args=[shop.pk])).status_code == 200
        return len(ctx.captured_queries)

    before = queries()
    for i in range(4):
        contact(personas["caseworker"], shop, 3 + i, f"走访{i}")
        dispute = care.dispute_create(actor=personas["mediator"], kind="commercial",
                                      source="visit", summary=f"纠纷{i}")
        care.party_add(actor=personas["mediator"], dispute=dispute, role="respondent",
                       business=shop)
        care.party_add(actor=personas["mediator"], dispute=dispute, role="applicant",
                       name=f"顾客{i}")
    assert queries() == before
