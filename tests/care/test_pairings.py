"""One-to-one pairing pages: the list and its tabs (the quiet one above all),
pairing a helper with a household (staff or resident; every refusal with a
clear message), the pairing page with check-ins, pause / resume / end, and a
visit by the paired staff member turning into a check-in. Access for every
persona."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from jiayuan.care import services as care
from jiayuan.care.models import CheckIn, Pairing
from jiayuan.core.models import AuditEntry
from jiayuan.registry import services as registry
from tests.conftest import make_dwelling

READERS = ("head", "caseworker", "gridworker", "mediator", "coordinator", "auditor")
MANAGERS = ("head", "caseworker", "gridworker", "coordinator")
ALL = (*READERS, "admin", "outsider")
GOALS = "每周电话问候一次\n帮助孙子办理入学"


def client_for(client: Any, user: Any) -> Any:
    """Logged in, pages in English (the assertions read the English msgids)."""
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def today() -> date:
    return timezone.localdate()


def pair(actor: Any, household: Any, **fields: Any) -> Pairing:
    fields.setdefault("helper_kind", "staff")
    fields.setdefault("goals", GOALS)
    return care.pairing_create(actor=actor, household=household, **fields)


@pytest.fixture
def neighbour(head: Any, grid_a: Any) -> Any:
    """Another household of grid A: its head, 李秀兰, volunteers as a helper."""
    return registry.household_create(
        actor=head, dwelling=make_dwelling(grid_a, "5", "1", "201"), residency="resident",
        moved_in=date(2010, 3, 1),
        head={"name": "李秀兰", "sex": "F", "birth_date": date(1965, 7, 1),
              "phone": "13600002222", "id_number": "", "origin_code": "320500"})


@pytest.fixture
def pairing(personas: dict, household: Any) -> Pairing:
    """The grid-A worker is paired with 郑容哲's household, since 60 days."""
    return pair(personas["head"], household, helper_user=personas["gridworker"],
                started=today() - timedelta(days=60))


@pytest.fixture
def pairing_b(personas: dict, household_b: Any) -> Pairing:
    return pair(personas["head"], household_b, helper_user=personas["outsider"],
                goals="B网格的结对")


def form_data(household: Any, **extra: Any) -> dict[str, Any]:
    data = {"household": str(household.pk), "helper_kind": "volunteer", "goals": GOALS,
            "started": today().isoformat()}
    data.update({k: str(v) for k, v in extra.items()})
    return data


# --- access -------------------------------------------------------------------

@pytest.mark.parametrize("role", ALL)
def test_it_shows_the_list_to_roles_that_read_visits_or_manage_pairings(
        client: Any, personas: dict, pairing: Pairing, pairing_b: Pairing, role: str) -> None:
    c = client_for(client, personas[role])
    responses = [c.get(reverse("pairing_list"), {"tab": t})
                 for t in ("active", "quiet", "paused", "ended", "mine", "bogus")]
    if role == "admin":
        assert {r.status_code for r in responses} == {403}
        return
    assert {r.status_code for r in responses} == {200}
    html = responses[0].content.decode()
    assert ("鄭容哲" in html) is (role != "outsider")
    assert ("B网格的结对" in html) is (role not in ("gridworker",))


@pytest.mark.parametrize("role", ALL)
def test_it_shows_the_pairing_page_in_scope_only(client: Any, personas: dict,
                                                 pairing: Pairing, role: str) -> None:
    response = client_for(client, personas[role]).get(reverse("pairing_detail",
                                                              args=[pairing.pk]))
    expected = {"admin": 403, "outsider": 404}.get(role, 200)
    assert response.status_code == expected
    if expected == 200:
        html = response.content.decode()
        assert "帮助孙子办理入学" in html
        # Only managers get the forms.
        assert ("Record a check-in" in html) is (role in MANAGERS)
        assert ("End the pairing" in html) is (role in MANAGERS)


def test_an_out_of_scope_pairing_is_audited_as_denied(client: Any, personas: dict,
                                                      pairing: Pairing) -> None:
    client_for(client, personas["outsider"]).get(reverse("pairing_detail", args=[pairing.pk]))
    assert AuditEntry.objects.filter(action="denied", object_type="care.pairing",
                                     object_id=str(pairing.pk)).exists()


@pytest.mark.parametrize("role", ALL)
def test_it_offers_the_pairing_form_to_managers(client: Any, personas: dict, household: Any,
                                                role: str) -> None:
    c = client_for(client, personas[role])
    blank = c.get(reverse("pairing_new"))
    preset = c.get(reverse("pairing_new"), {"household": household.pk})
    if role not in MANAGERS and role != "outsider":
        assert (blank.status_code, preset.status_code) == (403, 403)
        return
    assert blank.status_code == 200
    if role == "outsider":
        assert preset.status_code == 404
        return
    assert preset.status_code == 200
    assert f'name="household" value="{household.pk}"' in preset.content.decode()


@pytest.mark.parametrize("role", ALL)
def test_only_managers_in_scope_record_check_ins(client: Any, personas: dict,
                                                 pairing: Pairing, role: str) -> None:
    response = client_for(client, personas[role]).post(
        reverse("pairing_checkin", args=[pairing.pk]),
        {"on": today().isoformat(), "mode": "phone", "note": "电话问候"})
    expected = 302 if role in MANAGERS else {"outsider": 404}.get(role, 403)
    assert response.status_code == expected
    assert CheckIn.objects.filter(pairing=pairing).count() == (1 if expected == 302 else 0)


@pytest.mark.parametrize("role", ALL)
def test_only_managers_in_scope_change_the_status(client: Any, personas: dict,
                                                  pairing: Pairing, role: str) -> None:
    response = client_for(client, personas[role]).post(
        reverse("pairing_status", args=[pairing.pk]), {"status": "paused"})
    expected = 302 if role in MANAGERS else {"outsider": 404}.get(role, 403)
    assert response.status_code == expected
    pairing.refresh_from_db()
    assert pairing.status == ("paused" if expected == 302 else "active")


@pytest.mark.parametrize("role", ALL)
def test_only_managers_in_scope_set_the_planned_end(client: Any, personas: dict,
                                                    pairing: Pairing, role: str) -> None:
    planned = today() + timedelta(days=90)
    response = client_for(client, personas[role]).post(
        reverse("pairing_planned_end", args=[pairing.pk]), {"planned_end": planned.isoformat()})
    expected = 302 if role in MANAGERS else {"outsider": 404}.get(role, 403)
    assert response.status_code == expected
    pairing.refresh_from_db()
    assert pairing.planned_end == (planned if expected == 302 else None)


@pytest.mark.parametrize("role", ("mediator", "auditor", "admin"))
def test_the_pickers_are_for_managers_only(client: Any, personas: dict, household: Any,
                                           role: str) -> None:
    c = client_for(client, personas[role])
    assert c.post(reverse("pairing_household_search"), {"q": "郑"}).status_code == 403
    assert c.post(reverse("pairing_person_search"), {"q": "郑"}).status_code == 403


def test_the_pages_need_a_login(client: Any, pairing: Pairing) -> None:
    for url in (reverse("pairing_list"), reverse("pairing_new"),
                reverse("pairing_detail", args=[pairing.pk])):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]


# --- the pickers --------------------------------------------------------------

def test_the_household_picker_finds_active_households_in_scope(
        client: Any, personas: dict, household: Any, household_b: Any,
        neighbour: Any) -> None:
    c = client_for(client, personas["gridworker"])
    html = c.post(reverse("pairing_household_search"), {"q": "李秀兰"}).content.decode()
    assert f"?pick={neighbour.pk}" in html
    assert f"?pick={household_b.pk}" not in c.post(reverse("pairing_household_search"),
                                                   {"q": "马忠华"}).content.decode()
    registry.household_move_out(actor=personas["head"], household=neighbour, on=today())
    html = c.post(reverse("pairing_household_search"), {"q": "李秀兰"}).content.decode()
    assert f"?pick={neighbour.pk}" not in html
    assert "No household found" in html
    assert c.get(reverse("pairing_household_search"),
                 {"pick": neighbour.pk}).status_code == 404
    assert c.get(reverse("pairing_household_search"),
                 {"pick": household_b.pk}).status_code == 404


def test_picking_a_household_shows_who_already_helps_it(client: Any, personas: dict,
                                                        pairing: Pairing,
                                                        household: Any) -> None:
    html = client_for(client, personas["gridworker"]).get(
        reverse("pairing_household_search"), {"pick": household.pk}).content.decode()
    assert f'name="household" value="{household.pk}"' in html
    assert "Already paired with" in html and reverse("pairing_detail",
                                                     args=[pairing.pk]) in html


def test_the_person_picker_finds_residents_in_scope_who_still_live_here(
        client: Any, personas: dict, household: Any, neighbour: Any, household_b: Any) -> None:
    c = client_for(client, personas["gridworker"])
    helper = neighbour.head
    html = c.post(reverse("pairing_person_search"), {"q": "李秀兰"}).content.decode()
    assert f"?pick={helper.pk}" in html
    assert f"?pick={household_b.head_id}" not in c.post(reverse("pairing_person_search"),
                                                        {"q": "马忠华"}).content.decode()
    chosen = c.get(reverse("pairing_person_search"), {"pick": helper.pk}).content.decode()
    assert f'name="helper_person" value="{helper.pk}"' in chosen
    assert c.get(reverse("pairing_person_search"),
                 {"pick": household_b.head_id}).status_code == 404
    spouse = household.members.get(name="金英姬")
    assert f"?pick={spouse.pk}" in c.post(reverse("pairing_person_search"),
                                         {"q": "金英姬"}).content.decode()
    registry.person_leave(actor=personas["head"], person=spouse, on=today())
    assert f"?pick={spouse.pk}" not in c.post(reverse("pairing_person_search"),
                                             {"q": "金英姬"}).content.decode()
    assert c.get(reverse("pairing_person_search"), {"pick": spouse.pk}).status_code == 404


# --- creating a pairing -------------------------------------------------------

def test_it_pairs_a_staff_member_with_a_household(client: Any, personas: dict,
                                                  household: Any) -> None:
    worker = personas["gridworker"]
    response = client_for(client, personas["coordinator"]).post(
        reverse("pairing_new"), form_data(household, helper_kind="staff",
                                          helper_user=worker.pk))
    pairing = Pairing.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("pairing_detail", args=[pairing.pk])
    assert (pairing.household, pairing.helper_user, pairing.helper_person) == (
        household, worker, None)
    assert pairing.status == "active" and pairing.goals == GOALS
    assert pairing.created_by == personas["coordinator"]
    assert AuditEntry.objects.filter(action="create", object_type="care.pairing").exists()


def test_it_pairs_a_resident_with_a_household(client: Any, personas: dict, household: Any,
                                              neighbour: Any) -> None:
    started = today() - timedelta(days=3)
    response = client_for(client, personas["gridworker"]).post(
        reverse("pairing_new"), form_data(household, helper_kind="party_member",
                                          helper_person=neighbour.head_id,
                                          started=started.isoformat()))
    assert response.status_code == 302
    pairing = Pairing.objects.get()
    assert (pairing.helper_person, pairing.helper_user) == (neighbour.head, None)
    assert pairing.helper_kind == "party_member" and pairing.started == started
    page = client.get(response["Location"]).content.decode()
    assert "李秀兰" in page and reverse("person_detail", args=[neighbour.head_id]) in page


def test_it_records_a_planned_end_with_the_pairing(client: Any, personas: dict,
                                                   household: Any) -> None:
    planned = today() + timedelta(days=180)
    c = client_for(client, personas["head"])
    assert 'name="planned_end"' in c.get(reverse("pairing_new")).content.decode()
    response = c.post(reverse("pairing_new"), form_data(
        household, helper_kind="staff", helper_user=personas["gridworker"].pk,
        planned_end=planned.isoformat()))
    assert response.status_code == 302
    pairing = Pairing.objects.get()
    assert pairing.planned_end == planned
    entry = AuditEntry.objects.get(action="create", object_type="care.pairing")
    assert entry.changes["planned_end"] == planned.isoformat()
    page = c.get(response["Location"]).content.decode()
    assert "Planned end" in page and planned.isoformat() in page
    # Left empty, the pairing has none.
    c.post(reverse("pairing_new"), form_data(household, helper_kind="staff",
                                             helper_user=personas["gridworker"].pk))
    assert Pairing.objects.latest("id").planned_end is None


def assert_refused(response: Any, message: str) -> None:
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Pairing.objects.exists()


def test_it_refuses_both_helpers_or_neither(client: Any, personas: dict, household: Any,
                                            neighbour: Any) -> None:
    c = client_for(client, personas["head"])
    both = c.post(reverse("pairing_new"), form_data(
        household, helper_user=personas["gridworker"].pk, helper_person=neighbour.head_id))
    assert_refused(both, "one of the two")
    # The chosen resident is shown again, so that the user can just change it.
    assert f'name="helper_person" value="{neighbour.head_id}"' in both.content.decode()
    assert_refused(c.post(reverse("pairing_new"), form_data(household)), "one of the two")


def test_it_refuses_a_helper_from_the_same_household(client: Any, personas: dict,
                                                     household: Any) -> None:
    spouse = household.members.get(name="金英姬")
    response = client_for(client, personas["head"]).post(
        reverse("pairing_new"), form_data(household, helper_person=spouse.pk))
    assert_refused(response, "cannot be a member of the household they help")
    assert 'id="id_helper_person_error"' in response.content.decode()


def test_it_refuses_a_household_that_moved_out(client: Any, personas: dict, household: Any,
                                               neighbour: Any) -> None:
    registry.household_move_out(actor=personas["head"], household=household, on=today())
    response = client_for(client, personas["head"]).post(
        reverse("pairing_new"), form_data(household, helper_person=neighbour.head_id))
    assert_refused(response, "has moved out")


def test_it_refuses_a_household_or_a_resident_out_of_scope(client: Any, personas: dict,
                                                           household: Any, household_b: Any,
                                                           neighbour: Any) -> None:
    c = client_for(client, personas["gridworker"])
    response = c.post(reverse("pairing_new"), form_data(
        household_b, helper_person=neighbour.head_id))
    assert_refused(response, "That household is not in your grids")
    # Nothing of the other grid's household is echoed back.
    assert "7-1-502" not in response.content.decode()
    assert "马忠华" not in response.content.decode()
    response = c.post(reverse("pairing_new"), form_data(
        household, helper_person=household_b.head_id))
    assert_refused(response, "That resident is not in your grids")
    assert "马忠华" not in response.content.decode()


def test_it_refuses_a_staff_helper_who_does_not_work_in_the_grid(
        client: Any, personas: dict, household: Any) -> None:
    response = client_for(client, personas["head"]).post(reverse("pairing_new"), form_data(
        household, helper_kind="staff", helper_user=personas["outsider"].pk))
    assert_refused(response, "does not work in this household")


def test_it_refuses_a_resident_as_station_staff(client: Any, personas: dict, household: Any,
                                                neighbour: Any) -> None:
    response = client_for(client, personas["head"]).post(reverse("pairing_new"), form_data(
        household, helper_kind="staff", helper_person=neighbour.head_id))
    assert_refused(response, "paired through their staff account")


def test_it_refuses_missing_goals_and_a_future_start(client: Any, personas: dict,
                                                     household: Any) -> None:
    response = client_for(client, personas["head"]).post(reverse("pairing_new"), form_data(
        household, helper_user=personas["gridworker"].pk, goals="  ",
        started=(today() + timedelta(days=2)).isoformat()))
    assert_refused(response, "Write down what the pairing should achieve")
    assert "The start date is in the future" in response.content.decode()


def test_it_asks_for_the_household(client: Any, personas: dict) -> None:
    response = client_for(client, personas["head"]).post(reverse("pairing_new"), {
        "helper_kind": "staff", "helper_user": personas["gridworker"].pk, "goals": GOALS,
        "started": today().isoformat()})
    assert_refused(response, "Choose the household to pair")


# --- the pairing page ---------------------------------------------------------

def test_it_records_a_check_in_and_updates_the_last_contact(client: Any, personas: dict,
                                                            pairing: Pairing) -> None:
    c = client_for(client, personas["coordinator"])
    on = today() - timedelta(days=2)
    response = c.post(reverse("pairing_checkin", args=[pairing.pk]),
                      {"on": on.isoformat(), "mode": "phone", "note": "老人说身体不错"})
    assert response.status_code == 302
    checkin = CheckIn.objects.get(pairing=pairing)
    assert (checkin.on, checkin.mode, checkin.visit) == (on, "phone", None)
    pairing.refresh_from_db()
    assert pairing.last_contact == on
    html = c.get(reverse("pairing_detail", args=[pairing.pk])).content.decode()
    assert "老人说身体不错" in html and "2 days ago" in html


def test_it_refuses_a_check_in_before_the_start_or_in_the_future(
        client: Any, personas: dict, pairing: Pairing) -> None:
    c = client_for(client, personas["head"])
    for on in (pairing.started - timedelta(days=1), today() + timedelta(days=1)):
        response = c.post(reverse("pairing_checkin", args=[pairing.pk]),
                          {"on": on.isoformat(), "mode": "home"})
        assert response.status_code == 400
        html = response.content.decode()
        assert "between the start of the pairing and today" in html
        assert 'id="checkin_on_error"' in html
    assert not CheckIn.objects.exists()


def test_a_visit_by_the_paired_staff_member_is_a_check_in(client: Any, personas: dict,
                                                          pairing: Pairing,
                                                          household: Any) -> None:
    worker = personas["gridworker"]
    visit, _created = care.visit_log(actor=personas["caseworker"], households=[household],
                                     mode="home", purpose="routine", found="一切安好",
                                     visitors=[personas["caseworker"], worker])
    checkin = CheckIn.objects.get(pairing=pairing)
    assert checkin.visit == visit and checkin.on == today()
    pairing.refresh_from_db()
    assert pairing.last_contact == today()
    c = client_for(client, worker)
    html = c.get(reverse("pairing_detail", args=[pairing.pk])).content.decode()
    assert reverse("visit_detail", args=[visit.pk]) in html and "from a visit" in html
    listing = c.get(reverse("pairing_list"), {"tab": "mine"}).content.decode()
    assert "today" in listing and "1 check-in" in listing


def test_a_visit_by_someone_else_is_not_a_check_in(personas: dict, pairing: Pairing,
                                                   household: Any) -> None:
    care.visit_log(actor=personas["caseworker"], households=[household], mode="home",
                   purpose="routine")
    assert not CheckIn.objects.exists()


def test_a_visit_the_resident_helper_came_on_is_a_check_in_when_ticked(
        client: Any, personas: dict, household: Any, neighbour: Any) -> None:
    resident = pair(personas["head"], household, helper_kind="volunteer",
                    helper_person=neighbour.head)
    staff = pair(personas["head"], household, helper_user=personas["caseworker"])
    # Without the tick: the resident helper's pairing gets nothing.
    care.visit_log(actor=personas["gridworker"], households=[household], mode="home",
                   purpose="routine")
    assert not CheckIn.objects.exists()
    # Ticked on the form: the resident helper's pairing gets a check-in, and the
    # staff helper's does not (they were not among the visitors).
    c = client_for(client, personas["gridworker"])
    form = c.get(reverse("visit_new"), {"household": household.pk}).content.decode()
    assert 'name="with_resident_helper"' in form
    response = c.post(reverse("visit_new"), {
        "idempotency_key": "0b6f8c1e-8f0a-4a53-9a0e-5a4b3c2d1e0f",
        "households": [household.pk], "visited_at": timezone.localtime().strftime(
            "%Y-%m-%dT%H:%M"), "mode": "home", "purpose": "routine",
        "with_resident_helper": "on"})
    assert response.status_code == 302, response.content.decode()[:2000]
    checkin = CheckIn.objects.get()
    assert checkin.pairing == resident and checkin.visit is not None
    resident.refresh_from_db()
    staff.refresh_from_db()
    assert (resident.last_contact, staff.last_contact) == (today(), None)


def test_the_page_links_to_logging_a_visit(client: Any, personas: dict,
                                           pairing: Pairing, household: Any) -> None:
    html = client_for(client, personas["gridworker"]).get(
        reverse("pairing_detail", args=[pairing.pk])).content.decode()
    assert f'{reverse("visit_new")}?household={household.pk}' in html
    html = client_for(client, personas["auditor"]).get(
        reverse("pairing_detail", args=[pairing.pk])).content.decode()
    assert reverse("visit_new") not in html


def test_pause_and_resume(client: Any, personas: dict, pairing: Pairing) -> None:
    c = client_for(client, personas["head"])
    c.post(reverse("pairing_status", args=[pairing.pk]), {"status": "paused"})
    pairing.refresh_from_db()
    assert pairing.status == "paused"
    assert "Resume the pairing" in c.get(reverse("pairing_detail",
                                                 args=[pairing.pk])).content.decode()
    # The same status again is refused with a message, not a crash.
    response = c.post(reverse("pairing_status", args=[pairing.pk]), {"status": "paused"})
    assert response.status_code == 400 and "Choose a new status" in response.content.decode()
    c.post(reverse("pairing_status", args=[pairing.pk]), {"status": "active"})
    pairing.refresh_from_db()
    assert pairing.status == "active"


def test_an_ended_pairing_takes_no_more_check_ins(client: Any, personas: dict,
                                                  pairing: Pairing, household: Any) -> None:
    c = client_for(client, personas["head"])
    ended = today() - timedelta(days=1)
    response = c.post(reverse("pairing_status", args=[pairing.pk]),
                      {"status": "ended", "on": ended.isoformat()})
    assert response.status_code == 302
    pairing.refresh_from_db()
    assert (pairing.status, pairing.ended) == ("ended", ended)
    page = c.get(reverse("pairing_detail", args=[pairing.pk])).content.decode()
    assert "no more check-ins" in page and 'action="' + reverse(
        "pairing_checkin", args=[pairing.pk]) not in page
    response = c.post(reverse("pairing_checkin", args=[pairing.pk]),
                      {"on": today().isoformat(), "mode": "home"})
    assert response.status_code == 400
    assert "The pairing has ended." in response.content.decode()
    # Nor does a visit by the helper count any more.
    care.visit_log(actor=personas["gridworker"], households=[household], mode="home",
                   purpose="routine")
    assert not CheckIn.objects.exists()
    # And it cannot be resumed.
    response = c.post(reverse("pairing_status", args=[pairing.pk]), {"status": "active"})
    assert response.status_code == 400 and "The pairing has ended." in response.content.decode()


def test_it_refuses_an_end_before_the_start_or_in_the_future(client: Any, personas: dict,
                                                             pairing: Pairing) -> None:
    c = client_for(client, personas["head"])
    for on, message in ((pairing.started - timedelta(days=1), "The end is before the start"),
                        (today() + timedelta(days=1), "The date is in the future")):
        response = c.post(reverse("pairing_status", args=[pairing.pk]),
                          {"status": "ended", "on": on.isoformat()})
        assert response.status_code == 400
        html = response.content.decode()
        assert message in html and 'id="end_on_error"' in html
    pairing.refresh_from_db()
    assert (pairing.status, pairing.ended) == ("active", None)


def test_it_refuses_a_planned_end_before_the_start(client: Any, personas: dict,
                                                   household: Any, pairing: Pairing) -> None:
    from django.core.exceptions import ValidationError

    c = client_for(client, personas["head"])
    before = Pairing.objects.count()
    response = c.post(reverse("pairing_new"), form_data(
        household, helper_kind="staff", helper_user=personas["gridworker"].pk,
        started=(today() - timedelta(days=2)).isoformat(),
        planned_end=(today() - timedelta(days=3)).isoformat()))
    assert response.status_code == 400
    html = response.content.decode()
    assert "The planned end is before the start." in html and 'id="id_planned_end_error"' in html
    assert Pairing.objects.count() == before
    with pytest.raises(ValidationError):
        pair(personas["head"], household, helper_user=personas["gridworker"],
             started=today(), planned_end=today() - timedelta(days=1))
    # On the pairing page too, with the message on the field.
    response = c.post(reverse("pairing_planned_end", args=[pairing.pk]),
                      {"planned_end": (pairing.started - timedelta(days=1)).isoformat()})
    assert response.status_code == 400
    html = response.content.decode()
    assert "The planned end is before the start." in html and 'id="plan_planned_end_error"' in html
    pairing.refresh_from_db()
    assert pairing.planned_end is None


def test_a_manager_moves_and_clears_the_planned_end_with_an_audit_entry(
        client: Any, personas: dict, pairing: Pairing) -> None:
    c = client_for(client, personas["gridworker"])
    url = reverse("pairing_planned_end", args=[pairing.pk])
    first, later = today() + timedelta(days=30), today() + timedelta(days=120)
    page = c.get(reverse("pairing_detail", args=[pairing.pk])).content.decode()
    assert f'action="{url}"' in page
    for planned in (first, later):
        assert c.post(url, {"planned_end": planned.isoformat()}).status_code == 302
    assert c.post(url, {"planned_end": ""}).status_code == 302
    pairing.refresh_from_db()
    assert pairing.planned_end is None
    changes = [e.changes["planned_end"] for e in AuditEntry.objects.filter(
        action="update", object_type="care.pairing").order_by("seq")]
    assert changes == [[None, first.isoformat()], [first.isoformat(), later.isoformat()],
                       [later.isoformat(), None]]
    # An ended pairing keeps the one it had.
    care.pairing_set_status(actor=personas["head"], pairing=pairing, status="ended")
    response = c.post(url, {"planned_end": later.isoformat()})
    assert response.status_code == 400 and "The pairing has ended." in response.content.decode()
    pairing.refresh_from_db()
    assert pairing.planned_end is None


# --- the list -----------------------------------------------------------------

def test_the_quiet_tab_lists_active_pairings_without_recent_contact(
        client: Any, personas: dict, household: Any, neighbour: Any) -> None:
    head, worker = personas["head"], personas["gridworker"]

    def make(goal: str, started_days: int, contact_days: int | None,
             status: str = "active") -> Pairing:
        p = pair(head, household, helper_user=worker, goals=goal,
                 started=today() - timedelta(days=started_days))
        Pairing.objects.filter(pk=p.pk).update(
            status=status, last_contact=(today() - timedelta(days=contact_days)
                                         if contact_days is not None else None))
        return p

    make("超过一个月没联系", 100, 31)
    make("开始很久从未联系", 40, None)
    make("刚刚开始", 5, None)
    make("上周联系过", 100, 10)
    make("暂停中", 100, 60, status="paused")
    c = client_for(client, worker)
    quiet = c.get(reverse("pairing_list"), {"tab": "quiet"})
    html = quiet.content.decode()
    assert "超过一个月没联系" in html and "开始很久从未联系" in html
    assert "刚刚开始" not in html and "上周联系过" not in html and "暂停中" not in html
    # The one unheard of longest comes first (40 days since its start).
    assert html.index("开始很久从未联系") < html.index("超过一个月没联系")
    assert "31 days ago" in html and "no contact yet" in html
    assert quiet.context["counts"]["quiet"] == 2
    active = c.get(reverse("pairing_list")).content.decode()
    assert all(g in active for g in ("超过一个月没联系", "刚刚开始", "上周联系过"))
    assert "暂停中" not in active
    assert "暂停中" in c.get(reverse("pairing_list"), {"tab": "paused"}).content.decode()


def test_the_ended_and_mine_tabs(client: Any, personas: dict, household: Any,
                                 neighbour: Any) -> None:
    head = personas["head"]
    mine = pair(head, household, helper_user=personas["gridworker"], goals="网格员结对")
    pair(head, household, helper_kind="volunteer", helper_person=neighbour.head,
         goals="志愿者结对")
    done = pair(head, neighbour, helper_user=personas["caseworker"], goals="已经结束的结对")
    care.pairing_set_status(actor=head, pairing=done, status="ended")
    c = client_for(client, personas["gridworker"])
    html = c.get(reverse("pairing_list"), {"tab": "mine"}).content.decode()
    assert "网格员结对" in html and "志愿者结对" not in html
    ended = c.get(reverse("pairing_list"), {"tab": "ended"}).content.decode()
    assert "已经结束的结对" in ended and "网格员结对" not in ended
    assert reverse("pairing_detail", args=[mine.pk]) in html


def test_the_list_card_shows_helper_household_goals_and_contact(client: Any, personas: dict,
                                                                pairing: Pairing,
                                                                household: Any) -> None:
    care.checkin_add(actor=personas["head"], pairing=pairing, mode="phone",
                     on=today() - timedelta(days=45))
    html = client_for(client, personas["coordinator"]).get(
        reverse("pairing_list")).content.decode()
    assert personas["gridworker"].display_name in html
    assert "Station staff" in html
    assert reverse("household_detail", args=[household.pk]) in html and "鄭容哲" in html
    assert "每周电话问候一次" in html and "帮助孙子办理入学" not in html  # the first line
    assert "45 days ago" in html and "1 check-in" in html
    assert 'class="warn"' in html


def test_the_list_marks_active_pairings_past_their_planned_end(
        client: Any, personas: dict, household: Any) -> None:
    head = personas["head"]
    yesterday = today() - timedelta(days=1)

    def make(goal: str, planned_end: date | None, status: str = "active") -> Pairing:
        p = pair(head, household, helper_user=personas["gridworker"], goals=goal,
                 started=today() - timedelta(days=100), planned_end=planned_end)
        if status != "active":
            care.pairing_set_status(actor=head, pairing=p, status=status)
        return p

    overrun = make("已过计划结束", yesterday)
    make("今天计划结束", today())
    make("没有计划结束", None)
    paused = make("暂停且过期", yesterday, status="paused")
    ended = make("已经结束", yesterday, status="ended")
    tag = f"past its planned end, {yesterday.isoformat()}"
    c = client_for(client, personas["coordinator"])
    html = c.get(reverse("pairing_list")).content.decode()
    cards = html.split('<li class="card pairing">')[1:]
    marked = [card for card in cards if tag in card]
    assert len(marked) == 1 and "已过计划结束" in marked[0]
    assert f"planned to end {today().isoformat()}" in html
    for p in (paused, ended):
        tab = "paused" if p is paused else "ended"
        assert tag not in c.get(reverse("pairing_list"), {"tab": tab}).content.decode()
    assert tag in c.get(reverse("pairing_detail", args=[overrun.pk])).content.decode()
    assert tag not in c.get(reverse("pairing_detail", args=[paused.pk])).content.decode()


def test_the_list_takes_the_same_queries_for_one_row_or_many(client: Any, personas: dict,
                                                             household: Any,
                                                             neighbour: Any) -> None:
    head = personas["head"]
    c = client_for(client, personas["gridworker"])

    def queries(tab: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(reverse("pairing_list"), {"tab": tab}).status_code == 200
        return len(ctx.captured_queries)

    first = pair(head, household, helper_user=personas["gridworker"])
    care.checkin_add(actor=head, pairing=first, on=today(), mode="home")
    one = {tab: queries(tab) for tab in ("active", "mine")}
    for i in range(5):
        p = pair(head, neighbour if i % 2 else household, helper_kind="volunteer",
                 helper_person=(household.head if i % 2 else neighbour.head),
                 goals=f"目标{i}")
        care.checkin_add(actor=head, pairing=p, on=today(), mode="phone")
        pair(head, household, helper_user=personas["gridworker"], goals=f"我的{i}")
    assert {tab: queries(tab) for tab in ("active", "mine")} == one


def test_the_list_is_paginated(client: Any, personas: dict, household: Any) -> None:
    for i in range(31):
        pair(personas["head"], household, helper_user=personas["gridworker"], goals=f"目标{i}")
    c = client_for(client, personas["gridworker"])
    first = c.get(reverse("pairing_list"))
    assert len(first.context["pairings"]) == 30
    assert "Page 1 of 2" in first.content.decode()
    assert len(c.get(reverse("pairing_list"), {"page": 2}).context["pairings"]) == 1
