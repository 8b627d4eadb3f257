"""Bad input through the pages: clear field-level messages, nothing half-saved."""

from __future__ import annotations

from datetime import date

from django.test import Client
from django.urls import reverse

from jiayuan.core.models import AuditEntry
from jiayuan.lib.idcard import make_id_number
from jiayuan.registry.models import Household, Person


def client_for(user, lang="en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=lang)
    client.force_login(user)
    return client


def member_form(**overrides):
    data = {"name": "郑秀美", "sex": "F", "birth_date": "1990-04-01", "id_number": "",
            "phone": "", "relation": "child", "origin_code": "222400", "occupation": "护士"}
    data.update(overrides)
    return data


def test_it_adds_a_member(household, personas):
    number = make_id_number("222401", date(1990, 4, 1), 42)
    response = client_for(personas["gridworker"]).post(
        reverse("person_create", kwargs={"pk": household.pk}),
        member_form(id_number=number, phone="139 0000 1111"))
    assert response.status_code == 302
    person = Person.objects.get(name="郑秀美")
    assert person.household_id == household.pk and person.phone_mask == "139****1111"


def test_a_wrong_check_digit_is_named_and_nothing_is_saved(household, personas):
    number = make_id_number("222401", date(1990, 4, 1), 42)
    bad = number[:-1] + ("0" if number[-1] != "0" else "1")
    client = client_for(personas["caseworker"])
    before = (Person.objects.count(), AuditEntry.objects.count())
    response = client.post(
        reverse("person_create", kwargs={"pk": household.pk}), member_form(id_number=bad))
    assert response.status_code == 200
    assert "check digit" in response.content.decode()
    assert (Person.objects.count(), AuditEntry.objects.count()) == before


def test_an_id_that_disagrees_with_sex_or_birth_date_is_refused(household, personas):
    male_number = make_id_number("222401", date(1990, 4, 1), 41)
    client = client_for(personas["caseworker"])
    url = reverse("person_create", kwargs={"pk": household.pk})
    response = client.post(url, member_form(id_number=male_number, sex="F"))
    assert response.status_code == 200 and 'id="id_id_number_error"' in response.content.decode()
    response = client.post(url, member_form(id_number=male_number, sex="M",
                                            birth_date="1991-04-01"))
    assert response.status_code == 200 and 'id="id_id_number_error"' in response.content.decode()
    assert not Person.objects.filter(name="郑秀美").exists()


def test_an_impossible_date_in_the_id_number_is_named(household, personas):
    response = client_for(personas["caseworker"]).post(
        reverse("person_create", kwargs={"pk": household.pk}),
        member_form(id_number="22240119900231004X", birth_date=""))
    assert response.status_code == 200
    assert 'id="id_id_number_error"' in response.content.decode()


def test_a_malformed_phone_is_named(household, personas):
    response = client_for(personas["caseworker"]).post(
        reverse("person_create", kwargs={"pk": household.pk}), member_form(phone="12345"))
    assert response.status_code == 200
    assert 'id="id_phone_error"' in response.content.decode()
    assert not Person.objects.filter(name="郑秀美").exists()


def test_messages_follow_the_users_language(household, personas):
    url = reverse("person_create", kwargs={"pk": household.pk})
    zh = client_for(personas["caseworker"], "zh-hans").post(url, member_form(name=""))
    assert "这个字段是必填项" in zh.content.decode()


def test_a_forged_post_for_another_grids_household_is_404_and_changes_nothing(
        household, personas):
    before = (Person.objects.count(), household.residency)
    client = client_for(personas["outsider"])
    assert client.post(reverse("person_create", kwargs={"pk": household.pk}),
                       member_form()).status_code == 404
    assert client.post(reverse("household_edit", kwargs={"pk": household.pk}),
                       {"residency": "floating", "head": household.head_id}).status_code == 404
    assert client.post(reverse("person_reveal", kwargs={"pk": household.head_id,
                                                        "field": "phone"})).status_code == 404
    household.refresh_from_db()
    assert (Person.objects.count(), household.residency) == before


def test_moving_a_person_into_a_household_outside_scope_is_refused(household, household_b,
                                                                    personas):
    wife = household.members.get(name="金英姬")
    response = client_for(personas["gridworker"]).post(
        reverse("person_move", kwargs={"pk": wife.pk}),
        {"to_household": household_b.pk, "relation": "spouse", "on": "2026-01-01"})
    assert response.status_code == 200
    assert "No household with this number in your area" in response.content.decode()
    wife.refresh_from_db()
    assert wife.household_id == household.pk


def test_opening_a_household_needs_a_head(personas, dwelling_a2):
    response = client_for(personas["caseworker"]).post(reverse("household_create"), {
        "dwelling": dwelling_a2.pk, "residency": "registered", "moved_in": "2024-01-01",
        "head-name": "", "head-sex": "M"})
    assert response.status_code == 200
    assert not Household.objects.filter(dwelling=dwelling_a2).exists()
    assert 'id="id_head-name_error"' in response.content.decode()


def test_opening_a_household_with_a_head(personas, dwelling_a2):
    form = {"dwelling": dwelling_a2.pk, "residency": "floating", "moved_in": "2024-01-01",
            "head-name": "马忠华", "head-sex": "M", "head-phone": "13700002222",
            "head-origin_code": "622900"}
    response = client_for(personas["caseworker"]).post(reverse("household_create"), form)
    assert response.status_code == 302, response.content.decode()[:2000]
    household = Household.objects.get(dwelling=dwelling_a2)
    assert household.head.name == "马忠华" and household.festivals == []
    assert not household.head.consents.exists()


def test_festivals_need_the_heads_consent(personas, dwelling_a2):
    client = client_for(personas["caseworker"])
    form = {"dwelling": dwelling_a2.pk, "residency": "floating", "moved_in": "2024-01-01",
            "festivals": ["eid_al_fitr"], "head-name": "马忠华", "head-sex": "M"}
    response = client.post(reverse("household_create"), form)
    assert response.status_code == 200
    assert 'id="id_festivals_error"' in response.content.decode()
    assert not Household.objects.filter(dwelling=dwelling_a2).exists()
    response = client.post(reverse("household_create"), {**form, "head-sensitive_consent": "on"})
    assert response.status_code == 302
    household = Household.objects.get(dwelling=dwelling_a2)
    assert household.festivals == ["eid_al_fitr"]
    assert household.head.consents.get().purpose == "sensitive"


def test_ethnicity_needs_consent_and_withdrawal_erases_it(household, personas):
    client = client_for(personas["caseworker"])
    url = reverse("person_create", kwargs={"pk": household.pk})
    response = client.post(url, member_form(ethnicity="10"))
    assert response.status_code == 200 and 'id="id_ethnicity_error"' in response.content.decode()
    assert not Person.objects.filter(name="郑秀美").exists()
    assert client.post(url, member_form(ethnicity="10", sensitive_consent="on")).status_code == 302
    person = Person.objects.get(name="郑秀美")
    consent = person.consents.get(purpose="sensitive")
    client.post(reverse("consent_withdraw", kwargs={"pk": person.pk, "cid": consent.pk}))
    person.refresh_from_db()
    assert person.ethnicity == ""
    entry = AuditEntry.objects.filter(object_type="registry.person", object_id=str(person.pk),
                                      action="update").last()
    assert entry.changes["ethnicity"] == "(changed)"


def test_viewing_sensitive_details_is_audited(household, personas):
    client = client_for(personas["caseworker"])
    client.get(reverse("household_detail", kwargs={"pk": household.pk}))
    entry = AuditEntry.objects.filter(action="view_sensitive", actor_username="caseworker").get()
    assert set(entry.changes["shown"]) == {"ethnicity", "festivals"}
    client_for(personas["mediator"]).get(reverse("household_detail",
                                                 kwargs={"pk": household.pk}))
    assert not AuditEntry.objects.filter(action="view_sensitive",
                                         actor_username="mediator").exists()


def test_a_grid_worker_cannot_open_a_household_in_another_grid(personas, dwelling_b):
    response = client_for(personas["gridworker"]).post(reverse("household_create"), {
        "dwelling": dwelling_b.pk, "residency": "floating", "moved_in": "2024-01-01",
        "head-name": "冒名", "head-sex": "M"})
    assert response.status_code == 200  # the dwelling is not a valid choice for them
    assert not Household.objects.filter(dwelling=dwelling_b).exists()


def test_reveal_shows_the_whole_number_and_is_audited(household, personas):
    response = client_for(personas["caseworker"]).post(
        reverse("person_reveal", kwargs={"pk": household.head_id, "field": "phone"}))
    assert "13812345678" in response.content.decode()
    assert AuditEntry.objects.filter(action="reveal", actor_username="caseworker").count() == 1
    assert client_for(personas["gridworker"]).post(
        reverse("person_reveal", kwargs={"pk": household.head_id, "field": "id_number"})
    ).status_code == 403


def test_the_household_file_prints_as_pdf_with_an_embedded_cjk_font(household, personas):
    response = client_for(personas["gridworker"]).get(
        reverse("household_pdf", kwargs={"pk": household.pk}))
    assert response["Content-Type"] == "application/pdf"
    body = response.content
    assert body.startswith(b"%PDF") and b"NotoSansCJK" in body
    assert b"13812345678" not in body
    assert AuditEntry.objects.filter(action="print", object_id=str(household.pk)).exists()


def test_a_login_is_audited_and_a_failed_one_is_only_counted(personas):
    # A failed login counts towards a lockout, which is audited (tests/core/test_lockout.py).
    client = Client()
    client.post(reverse("login"), {"username": "head", "password": "wrong"})
    client.post(reverse("login"), {"username": "head", "password": "pw-for-tests-only"})
    actions = list(AuditEntry.objects.order_by("seq").values_list("action", "actor_username"))
    assert ("login", "head") in actions and ("login_failed", "head") not in actions
