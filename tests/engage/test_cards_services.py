"""Contact card services called directly: links made, replaced and revoked;
batch rules; the year's counts. Every refusal names the problem and saves
nothing."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.http import Http404

from jiayuan.core.models import AuditAction, AuditEntry
from jiayuan.core.roles import Role
from jiayuan.engage.cards import services
from jiayuan.engage.cards.links import card_token, code_from_token
from jiayuan.engage.cards.models import CardBatch, CardBatchLine, CardLink
from jiayuan.engage.cards.selectors import cards_issued, station_hotline
from jiayuan.places.models import Community
from tests.conftest import make_user, station_moment

DAY = date(2027, 3, 10)


@pytest.fixture
def clock() -> Any:
    with time_machine.travel(station_moment(DAY), tick=False):
        yield station_moment(DAY)


def _link(actor: Any, user: Any = None, **kw: Any) -> CardLink:
    return services.card_link_create(actor=actor, user=user, role=kw.pop("role", "网格员"),
                                     office_hours=kw.pop("office_hours", "周一至周五 9-17"),
                                     hotline=kw.pop("hotline", "0512-5555 0123"), **kw)


@pytest.fixture
def far(db: Any) -> Community:
    return Community.objects.create(name="别的社区", code="FAR")


@pytest.mark.django_db
def test_it_makes_a_link_for_a_grid_worker_and_audits_it(personas: dict, clock: Any) -> None:
    head, worker = personas["head"], personas["gridworker"]
    link = _link(head, worker)
    assert link.community_id == head.community_id and link.user == worker
    assert link.created_by == head and link.created_at == clock and link.revoked_at is None
    assert AuditEntry.objects.filter(action=AuditAction.CREATE, object_id=str(link.pk),
                                     object_type="engage.cardlink").exists()


@pytest.mark.django_db
def test_a_new_link_for_the_same_person_replaces_the_live_one(personas: dict,
                                                              clock: Any) -> None:
    head, worker = personas["head"], personas["gridworker"]
    old = _link(head, worker)
    new = _link(head, worker, hotline="0512-6666 0000")
    old.refresh_from_db()
    assert old.revoked_at == clock and old.revoked_by == head
    assert new.revoked_at is None
    assert CardLink.objects.filter(user=worker, revoked_at__isnull=True).count() == 1


@pytest.mark.django_db
def test_the_station_has_its_own_live_link_replaced_the_same_way(personas: dict) -> None:
    head = personas["head"]
    first, second = _link(head), _link(head)
    first.refresh_from_db()
    assert first.revoked_at is not None and second.user is None


@pytest.mark.django_db
def test_the_database_refuses_two_live_links_for_one_person(personas: dict) -> None:
    head, worker = personas["head"], personas["gridworker"]
    link = _link(head, worker)
    with pytest.raises(IntegrityError):
        CardLink.objects.create(community_id=link.community_id, user=worker, hotline="1")


@pytest.mark.django_db
def test_only_the_head_issues_cards(personas: dict) -> None:
    with pytest.raises(PermissionDenied):
        _link(personas["caseworker"], personas["gridworker"])
    assert not CardLink.objects.exists()


@pytest.mark.django_db
def test_a_link_for_someone_of_another_community_is_refused(personas: dict,
                                                             far: Community) -> None:
    stranger = make_user("stranger", Role.GRIDWORKER, far)
    with pytest.raises(ValidationError) as err:
        _link(personas["head"], stranger)
    assert "user" in err.value.message_dict
    assert not CardLink.objects.exists()


@pytest.mark.django_db
def test_a_link_for_an_inactive_account_is_refused(personas: dict) -> None:
    worker = personas["gridworker"]
    worker.is_active = False
    worker.save(update_fields=["is_active"])
    with pytest.raises(ValidationError):
        _link(personas["head"], worker)
    assert not CardLink.objects.exists()


@pytest.mark.django_db
def test_a_link_for_another_community_is_refused(personas: dict, far: Community) -> None:
    with pytest.raises(ValidationError) as err:
        _link(personas["head"], community=far)
    assert "community" in err.value.message_dict


@pytest.mark.django_db
def test_a_card_needs_a_hotline(personas: dict) -> None:
    with pytest.raises(ValidationError) as err:
        _link(personas["head"], hotline="   ")
    assert "hotline" in err.value.message_dict


@pytest.mark.django_db
def test_revoking_a_link_marks_it_and_refuses_twice(personas: dict, clock: Any) -> None:
    head = personas["head"]
    link = services.card_link_revoke(actor=head, link=_link(head, personas["gridworker"]))
    assert link.revoked_at == clock and link.revoked_by == head
    with pytest.raises(ValidationError):
        services.card_link_revoke(actor=head, link=link)


@pytest.mark.django_db
def test_a_link_of_another_community_cannot_be_revoked(personas: dict,
                                                        far: Community) -> None:
    far_head = make_user("far-head", Role.HEAD, far)
    link = _link(far_head)
    with pytest.raises(Http404):
        services.card_link_revoke(actor=personas["head"], link=link)
    link.refresh_from_db()
    assert link.revoked_at is None


@pytest.mark.django_db
def test_the_hotline_of_a_revoked_card_is_the_stations_current_one(personas: dict) -> None:
    head = personas["head"]
    worker_link = _link(head, personas["gridworker"], hotline="111")
    _link(head, hotline="0512-7777 8888")
    services.card_link_revoke(actor=head, link=worker_link)
    assert station_hotline(worker_link.community_id) == "0512-7777 8888"


# --- the signed token ---------------------------------------------------------------------

@pytest.mark.django_db
def test_a_token_is_the_code_and_its_signature(personas: dict) -> None:
    link = _link(personas["head"])
    token = card_token(link)
    assert code_from_token(token) == link.code
    code, sig = token.rsplit(".", 1)
    assert code_from_token(f"{code}.{sig[:-1]}x" if sig[-1] != "x" else f"{code}.{sig[:-1]}y") \
        is None
    assert code_from_token(code) is None
    assert code_from_token(f"a{code}.{sig}") is None
    assert code_from_token("") is None


# --- batches ------------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_batch_records_its_lines_and_the_cards_it_prints(personas: dict) -> None:
    head = personas["head"]
    a, b = _link(head, personas["gridworker"]), _link(head)
    batch = services.card_batch_create(actor=head, lines=[(a, 100), (b, 50)], note="夏季")
    assert {(line.link_id, line.copies) for line in batch.lines.all()} == {(a.pk, 100),
                                                                          (b.pk, 50)}
    entry = AuditEntry.objects.get(action=AuditAction.CREATE, object_type="engage.cardbatch")
    assert entry.changes["cards"] == [None, 150]


@pytest.mark.django_db
@pytest.mark.parametrize("lines", [[], [0], [1500, 501], [2001], [-1]])
def test_a_batch_of_no_cards_or_too_many_is_refused(personas: dict, lines: list) -> None:
    head = personas["head"]
    links = [_link(head, personas["gridworker"]), _link(head)]
    with pytest.raises(ValidationError):
        services.card_batch_create(actor=head, lines=list(zip(links, lines, strict=False)))
    assert not CardBatch.objects.exists() and not CardBatchLine.objects.exists()


@pytest.mark.django_db
def test_a_batch_of_exactly_the_limit_is_taken(personas: dict) -> None:
    head = personas["head"]
    batch = services.card_batch_create(actor=head, lines=[(_link(head), 2000)])
    assert cards_issued(head, batch.created_at.year).total == 2000


@pytest.mark.django_db
def test_a_batch_naming_a_revoked_link_is_refused(personas: dict) -> None:
    head = personas["head"]
    live, old = _link(head), _link(head, personas["gridworker"])
    services.card_link_revoke(actor=head, link=old)
    with pytest.raises(ValidationError) as err:
        services.card_batch_create(actor=head, lines=[(live, 10), (old, 10)])
    assert old.code in str(err.value)
    assert not CardBatch.objects.exists()


@pytest.mark.django_db
def test_a_batch_naming_a_link_of_another_community_is_refused(personas: dict,
                                                                far: Community) -> None:
    head = personas["head"]
    theirs = _link(make_user("far-head", Role.HEAD, far))
    with pytest.raises(ValidationError):
        services.card_batch_create(actor=head, lines=[(_link(head), 10), (theirs, 10)])
    assert not CardBatch.objects.exists()


@pytest.mark.django_db
def test_a_batch_naming_a_link_twice_is_refused(personas: dict) -> None:
    head = personas["head"]
    link = _link(head)
    with pytest.raises(ValidationError):
        services.card_batch_create(actor=head, lines=[(link, 10), (link, 5)])
    assert not CardBatch.objects.exists()


@pytest.mark.django_db
def test_cards_issued_counts_the_years_batches_per_link_and_in_all(personas: dict) -> None:
    head = personas["head"]
    a, b = _link(head, personas["gridworker"]), _link(head)
    with time_machine.travel(station_moment(date(2026, 12, 30)), tick=False):
        services.card_batch_create(actor=head, lines=[(a, 7)])
    with time_machine.travel(station_moment(DAY), tick=False):
        services.card_batch_create(actor=head, lines=[(a, 400), (b, 100)])
        services.card_batch_create(actor=head, lines=[(a, 500)])
    issued = cards_issued(head, 2027)
    assert issued.total == 1000 and issued.by_link == {a.pk: 900, b.pk: 100}
    assert cards_issued(head.community, 2026).total == 7
    assert cards_issued(head.community_id, 2025).total == 0


@pytest.mark.django_db
def test_cards_issued_stays_in_the_actors_communities(personas: dict, far: Community) -> None:
    far_head = make_user("far-head", Role.HEAD, far)
    with time_machine.travel(station_moment(DAY), tick=False):
        services.card_batch_create(actor=far_head, lines=[(_link(far_head), 30)])
    assert cards_issued(personas["head"], 2027).total == 0
    assert cards_issued(far_head, 2027).total == 30


@pytest.mark.django_db
def test_printing_a_batch_is_audited(personas: dict) -> None:
    head = personas["head"]
    batch = services.card_batch_create(actor=head, lines=[(_link(head), 12)])
    data = services.card_batch_print(actor=head, batch=batch)
    assert data.startswith(b"%PDF")
    entry = AuditEntry.objects.get(action=AuditAction.PRINT, object_type="engage.cardbatch")
    assert entry.changes["cards"] == 12


@pytest.mark.django_db
def test_a_batch_of_another_community_cannot_be_printed(personas: dict,
                                                         far: Community) -> None:
    far_head = make_user("far-head", Role.HEAD, far)
    batch = services.card_batch_create(actor=far_head, lines=[(_link(far_head), 3)])
    with pytest.raises(Http404):
        services.card_batch_print(actor=personas["head"], batch=batch)
