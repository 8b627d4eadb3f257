"""Registry edits are versioned like cases: a save made from a form loaded
before someone else's save is refused with a message naming who changed the
record when, nothing is written, and the form comes back with what was typed."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from jiayuan.core.models import AuditEntry
from jiayuan.registry import services
from jiayuan.registry.models import Household, Person


def client_for(user, lang="en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=lang)
    client.force_login(user)
    return client


def hidden_version(html: str) -> str:
    match = re.search(r'<input type="hidden" name="version" value="(\d+)"', html)
    assert match, "the form carries the version it was loaded at"
    return match.group(1)


def edit_data(html: str, **values) -> dict:
    data = {"name": "金英姬", "sex": "F", "birth_date": "1960-05-02", "relation": "spouse",
            "origin_code": "222400", "occupation": "", "version": hidden_version(html)}
    data.update(values)
    return data


# --- services -----------------------------------------------------------------

def test_it_refuses_a_stale_person_update_and_writes_nothing(household, personas):
    wife = household.members.get(name="金英姬")
    loaded = wife.version
    services.person_update(actor=personas["caseworker"], person=wife, occupation="厨师",
                           expected_version=loaded)
    entries = AuditEntry.objects.count()
    with pytest.raises(services.Conflict) as exc:
        services.person_update(actor=personas["gridworker"], person=wife, occupation="护士",
                               expected_version=loaded)
    wife.refresh_from_db()
    assert wife.occupation == "厨师" and wife.version == loaded + 1
    assert AuditEntry.objects.count() == entries
    assert personas["caseworker"].display_name in exc.value.messages[0]


def test_it_refuses_a_stale_household_update(household, personas):
    loaded = household.version
    services.household_update(actor=personas["head"], household=household, note="一",
                              expected_version=loaded)
    with pytest.raises(services.Conflict):
        services.household_update(actor=personas["gridworker"], household=household,
                                  note="二", expected_version=loaded)
    household.refresh_from_db()
    assert household.note == "一" and household.version == loaded + 1


def test_an_update_at_the_current_version_passes_and_claims_the_next(household, personas):
    loaded = household.version
    services.household_update(actor=personas["head"], household=household, note="一",
                              expected_version=loaded)
    services.household_update(actor=personas["head"], household=household, note="二",
                              expected_version=loaded + 1)
    household.refresh_from_db()
    assert household.note == "二" and household.version == loaded + 2


def test_moves_and_leaving_make_an_open_edit_form_stale(household, household_b, dwelling_a2,
                                                        personas):
    head = personas["head"]
    grandson = household.members.get(name="郑民浩")
    loaded_person, loaded_household = grandson.version, household.version
    services.person_leave(actor=head, person=grandson, on=date(2026, 1, 1),
                          expected_version=loaded_person)
    with pytest.raises(services.Conflict):
        services.person_update(actor=head, person=grandson, occupation="学生",
                               expected_version=loaded_person)
    services.household_move(actor=head, household=household, dwelling=dwelling_a2,
                             on=date(2026, 2, 1), expected_version=loaded_household)
    with pytest.raises(services.Conflict):
        services.household_update(actor=head, household=household, note="x",
                                  expected_version=loaded_household)
    with pytest.raises(services.Conflict):
        services.household_move_out(actor=head, household=household, on=date(2026, 3, 1),
                                    expected_version=loaded_household)
    household.refresh_from_db()
    assert household.moved_out is None


def test_a_stale_person_move_is_refused_and_moves_nobody(household, household_b, personas):
    wife = household.members.get(name="金英姬")
    loaded = wife.version
    services.person_update(actor=personas["head"], person=wife, occupation="厨师")
    with pytest.raises(services.Conflict):
        services.person_move(actor=personas["head"], person=wife, to_household=household_b,
                             on=date(2026, 1, 1), relation="other_relative",
                             expected_version=loaded)
    wife.refresh_from_db()
    assert wife.household_id == household.pk


def test_changing_the_head_bumps_both_people(household, personas):
    wife = household.members.get(name="金英姬")
    old_head = household.head
    versions = (wife.version, old_head.version)
    services.household_update(actor=personas["head"], household=household, head=wife)
    wife.refresh_from_db()
    old_head.refresh_from_db()
    assert (wife.version, old_head.version) == (versions[0] + 1, versions[1] + 1)


# --- pages --------------------------------------------------------------------

def test_two_sessions_edit_a_person_the_second_is_refused_and_keeps_its_input(household,
                                                                              personas):
    wife = household.members.get(name="金英姬")
    url = reverse("person_edit", kwargs={"pk": wife.pk})
    first, second = client_for(personas["caseworker"]), client_for(personas["gridworker"])
    first_page = first.get(url).content.decode()
    second_page = second.get(url).content.decode()
    # The version is a bare hidden input: no "Version" label on the page.
    assert "Version" not in second_page

    response = first.post(url, edit_data(first_page, occupation="厨师"))
    assert response.status_code == 302
    response = second.post(url, edit_data(second_page, occupation="护士长",
                                          birth_date="1960-05-03"))
    assert response.status_code == 409
    html = response.content.decode()
    alert = html[html.index('class="msg msg-error"'):]
    alert = alert[:alert.index("</div>")]
    assert personas["caseworker"].display_name in alert
    assert "Nothing you entered was saved" in alert
    # What the second user typed is still in the form...
    assert 'value="护士长"' in html and 'value="1960-05-03"' in html
    # ...and the first user's change is intact.
    wife.refresh_from_db()
    assert wife.occupation == "厨师" and wife.birth_date == date(1960, 5, 2)
    # The redisplayed form now carries the version on record: saving again, once
    # checked, goes through.
    assert hidden_version(html) == str(wife.version)
    response = second.post(url, edit_data(html, occupation="护士长"))
    assert response.status_code == 302
    wife.refresh_from_db()
    assert wife.occupation == "护士长"


def test_two_sessions_edit_a_household_the_second_is_refused(household, personas):
    url = reverse("household_edit", kwargs={"pk": household.pk})
    first, second = client_for(personas["head"]), client_for(personas["gridworker"])
    pages = [first.get(url).content.decode(), second.get(url).content.decode()]
    assert "Version" not in pages[1]

    def data(page, note):
        return {"residency": "resident", "head": household.head_id, "note": note,
                "festivals": ["chuseok", "spring_festival"], "version": hidden_version(page)}

    assert first.post(url, data(pages[0], "第一位的备注")).status_code == 302
    response = second.post(url, data(pages[1], "第二位的备注"))
    assert response.status_code == 409
    html = response.content.decode()
    assert "第二位的备注" in html and "Nothing you entered was saved" in html
    household.refresh_from_db()
    assert household.note == "第一位的备注"


def test_a_stale_move_out_is_refused(household, personas):
    url = reverse("household_move_out", kwargs={"pk": household.pk})
    client = client_for(personas["head"])
    page = client.get(url).content.decode()
    services.household_update(actor=personas["caseworker"], household=household, note="x")
    response = client.post(url, {"on": "2026-01-01", "reason": "搬走",
                                 "version": hidden_version(page)})
    assert response.status_code == 409
    assert 'value="搬走"' in response.content.decode()
    assert Household.objects.get(pk=household.pk).moved_out is None


def test_a_tampered_version_is_a_message_not_a_500(household, personas):
    wife = household.members.get(name="金英姬")
    url = reverse("person_edit", kwargs={"pk": wife.pk})
    for bad in ("²", "-1", "1e99", str(10**24), "'"):
        response = client_for(personas["head"]).post(url, {
            "name": "金英姬", "sex": "F", "relation": "spouse", "version": bad})
        assert response.status_code in (200, 400, 409)
    assert Person.objects.get(pk=wife.pk).version == wife.version


def test_person_set_permit_is_scoped_audited_and_versioned(household, personas):
    from django.http import Http404

    wife = household.members.get(name="金英姬")
    loaded = wife.version
    with pytest.raises(Http404):
        services.person_set_permit(actor=personas["outsider"], person=wife,
                                   permit_number="P-1", permit_expiry=None)
    services.person_set_permit(actor=personas["gridworker"], person=wife, permit_number="P-1",
                               permit_expiry=date(2030, 1, 1), reason="case X")
    wife.refresh_from_db()
    assert (wife.permit_number, wife.permit_expiry, wife.version) == (
        "P-1", date(2030, 1, 1), loaded + 1)
    entry = AuditEntry.objects.filter(object_type="registry.person",
                                      object_id=str(wife.pk)).order_by("-seq").first()
    assert entry.changes["permit_number"] == "(changed)" and "P-1" not in str(entry.changes)
    # A stale form's version is refused here too.
    with pytest.raises(services.Conflict):
        services.person_set_permit(actor=personas["gridworker"], person=wife,
                                   permit_number="P-2", permit_expiry=None,
                                   expected_version=loaded)
