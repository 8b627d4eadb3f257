"""Businesses (商户): registered and edited by the roles that keep the registry,
within their grids, with clear messages and an audit entry for each change."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from jiayuan.core.models import AuditEntry
from jiayuan.registry.models import Business

EDIT = {"head", "caseworker", "gridworker"}


def client_for(user, lang="en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=lang)
    client.force_login(user)
    return client


@pytest.fixture
def shop(household):
    return Business.objects.create(grid=household.grid, name="朝鲜族冷面馆", kind="restaurant",
                                   owner=household.head, dwelling=household.dwelling)


def form(**overrides):
    data = {"name": "阿里木烤馕店", "kind": "restaurant", "dwelling": "", "grid": "",
            "address": "", "licence_note": "", "owner": ""}
    data.update(overrides)
    return data


@pytest.mark.parametrize("name", ["business_create", "business_owner_search"])
def test_the_registering_pages_are_for_the_roles_that_edit_the_registry(household, personas,
                                                                         name):
    for role, user in personas.items():
        status = client_for(user).get(reverse(name)).status_code
        expected = 200 if role in EDIT or role == "outsider" else 403
        assert status == expected, f"{role} got {status}"


def test_the_edit_page_answers_each_persona_and_hides_other_grids(shop, personas):
    url = reverse("business_edit", kwargs={"pk": shop.pk})
    for role, user in personas.items():
        status = client_for(user).get(url).status_code
        expected = 404 if role == "outsider" else 200 if role in EDIT else 403
        assert status == expected, f"{role} got {status}"
    missing = client_for(personas["gridworker"]).get(
        reverse("business_edit", kwargs={"pk": shop.pk + 999}))
    assert missing.status_code == 404
    assert Client().get(url).status_code == 302


def test_a_grid_worker_registers_a_shop_at_a_dwelling_with_its_owner(household, dwelling_a2,
                                                                     personas):
    owner = household.members.get(name="金英姬")
    response = client_for(personas["gridworker"]).post(reverse("business_create"), form(
        dwelling=dwelling_a2.pk, owner=owner.pk, licence_note="92650100MA7X 至 2028"))
    business = Business.objects.get(name="阿里木烤馕店")
    assert response.status_code == 302
    assert response["Location"] == reverse("business_detail", kwargs={"pk": business.pk})
    # The premises decide the grid.
    assert (business.grid_id, business.dwelling_id, business.owner_id) == (
        dwelling_a2.grid_id, dwelling_a2.pk, owner.pk)
    entry = AuditEntry.objects.filter(object_type="registry.business").latest("seq")
    assert entry.action == "create" and entry.object_id == str(business.pk)
    assert entry.changes["name"] == "阿里木烤馕店"
    page = client_for(personas["gridworker"]).get(response["Location"]).content.decode()
    assert "阿里木烤馕店" in page and "金英姬" in page


def test_an_address_outside_our_dwellings_needs_a_grid_and_the_address(grid_a, personas):
    client = client_for(personas["caseworker"])
    before = (Business.objects.count(), AuditEntry.objects.count())
    response = client.post(reverse("business_create"), form())
    assert response.status_code == 400
    assert 'id="id_grid_error"' in response.content.decode()
    response = client.post(reverse("business_create"), form(grid=grid_a.pk))
    assert response.status_code == 400
    assert "Write the address" in response.content.decode()
    assert (Business.objects.count(), AuditEntry.objects.count()) == before
    response = client.post(reverse("business_create"), form(grid=grid_a.pk,
                                                            address="团结路 12 号"))
    assert response.status_code == 302
    assert Business.objects.get(name="阿里木烤馕店").grid_id == grid_a.pk


def test_forged_posts_for_another_grid_are_refused_and_save_nothing(household_b, dwelling_b,
                                                                    grid_b, personas):
    client = client_for(personas["gridworker"])  # works in grid A only
    before = Business.objects.count()
    # Choices outside the user's grids are not offered, so a forged one is invalid.
    response = client.post(reverse("business_create"), form(dwelling=dwelling_b.pk))
    assert response.status_code == 400 and 'id="id_dwelling_error"' in response.content.decode()
    response = client.post(reverse("business_create"), form(grid=grid_b.pk, address="x"))
    assert response.status_code == 400 and 'id="id_grid_error"' in response.content.decode()
    # An owner from another grid reads the same as one who does not exist.
    response = client.post(reverse("business_create"), form(
        grid=personas["gridworker"].grids.first().pk, address="x", owner=household_b.head_id))
    body = response.content.decode()
    assert response.status_code == 400 and "not in your grids" in body
    assert "马忠华" not in body
    assert Business.objects.count() == before


def test_editing_keeps_an_owner_who_moved_to_another_grid_and_audits_the_diff(
        shop, household_b, personas, head):
    from jiayuan.registry.services import person_move

    # The owner moves to grid B: the grid-A worker may no longer pick them, but
    # saving the shop's other details must not drop them.
    owner = shop.owner
    household = owner.household
    new_head = household.members.exclude(pk=owner.pk).filter(left_on__isnull=True).first()
    from jiayuan.registry.services import household_update

    household_update(actor=head, household=household, head=new_head)
    from datetime import date

    person_move(actor=head, person=owner, to_household=household_b, on=date(2026, 1, 5),
                relation="relative")
    response = client_for(personas["gridworker"]).post(
        reverse("business_edit", kwargs={"pk": shop.pk}),
        form(name="冷面馆", dwelling=shop.dwelling_id, owner=owner.pk))
    assert response.status_code == 302
    shop.refresh_from_db()
    assert (shop.name, shop.owner_id) == ("冷面馆", owner.pk)
    entry = AuditEntry.objects.filter(object_type="registry.business",
                                      action="update").latest("seq")
    assert entry.changes == {"name": ["朝鲜族冷面馆", "冷面馆"]}


def test_removing_the_owner_and_changing_the_kind(shop, personas):
    response = client_for(personas["caseworker"]).post(
        reverse("business_edit", kwargs={"pk": shop.pk}),
        form(name=shop.name, kind="grocery", dwelling=shop.dwelling_id, owner=""))
    assert response.status_code == 302
    shop.refresh_from_db()
    assert (shop.kind, shop.owner_id) == ("grocery", None)


def test_a_role_that_only_reads_cannot_post(shop, personas):
    for role in ("mediator", "coordinator", "auditor", "admin"):
        response = client_for(personas[role]).post(
            reverse("business_edit", kwargs={"pk": shop.pk}), form(name="改名"))
        assert response.status_code == 403, role
        response = client_for(personas[role]).post(reverse("business_create"),
                                                    form(address="x"))
        assert response.status_code == 403, role
    shop.refresh_from_db()
    assert shop.name == "朝鲜族冷面馆" and Business.objects.count() == 1


def test_the_owner_picker_finds_residents_in_scope_only(household, household_b, personas):
    client = client_for(personas["gridworker"])
    found = client.post(reverse("business_owner_search"), {"q": "jyj"}).content.decode()
    assert "金英姬" in found
    elsewhere = client.post(reverse("business_owner_search"), {"q": "马忠华"}).content.decode()
    assert "<strong>马忠华" not in elsewhere and "No resident found" in elsewhere
    picked = client.get(reverse("business_owner_search"), {"pick": household.head_id})
    assert f'name="owner" value="{household.head_id}"' in picked.content.decode()
    assert client.get(reverse("business_owner_search"),
                      {"pick": household_b.head_id}).status_code == 404


def test_the_form_speaks_chinese_by_default(household, personas):
    body = client_for(personas["gridworker"], lang="zh-hans").get(
        reverse("business_create")).content.decode()
    assert "登记商户" in body


def test_the_edit_page_never_shows_an_owner_from_another_grid(shop, household_b, personas):
    shop.owner = household_b.head  # 马忠华 lives in grid B
    shop.save()
    client = client_for(personas["gridworker"])  # grid A only
    url = reverse("business_edit", kwargs={"pk": shop.pk})
    body = client.get(url).content.decode()
    assert "马忠华" not in body and "a resident of another grid" in body
    # A rejected save (no name) shows it no more, and an accepted one keeps the owner.
    body = client.post(url, form(name="", dwelling=shop.dwelling_id,
                                 owner=household_b.head_id)).content.decode()
    assert "马忠华" not in body and "a resident of another grid" in body
    assert client.post(url, form(name="冷面馆", dwelling=shop.dwelling_id,
                                 owner=household_b.head_id)).status_code == 302
    shop.refresh_from_db()
    assert shop.owner_id == household_b.head_id


def test_a_forged_owner_id_is_refused_without_a_crash(grid_a, personas):
    response = client_for(personas["gridworker"]).post(
        reverse("business_create"), form(grid=grid_a.pk, address="x", owner="²"))
    assert response.status_code == 400 and 'id="id_owner_error"' in response.content.decode()
