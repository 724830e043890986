"""Officers resolve hits: true match holds, false positives are remembered until the list entry changes, all audited."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcustoms.audit import service as audit
from smartcustoms.audit.models import AuditEntry
from smartcustoms.errors import Conflict, ValidationFailed
from smartcustoms.exports import flows, service
from smartcustoms.exports.models import FalsePositiveDecision
from smartcustoms.exports.schemas import ExportDeclarationIn
from tests.conftest import shared_data
from tests.exports.helpers import EUL_CODE, body, eul_with_alias, line, load_eul

KORYO = {"name": "Air Koryo", "address": "", "country": "CN"}


def lodge(session: Session, trader: Any, b: dict[str, Any]) -> Any:
    d = flows.lodge(session, ExportDeclarationIn.model_validate(b), trader)
    session.flush()
    return d


def party_hit(d: Any) -> Any:
    return next(h for h in d.hits if h.kind == "party" and h.list_code == EUL_CODE)


def test_false_positive_is_remembered_until_the_entry_changes(session: Session, eul, exporter, tmp_path) -> None:
    trader, _ = exporter
    b = body(consignee=KORYO, end_user=None, destination_country="CN")
    first = lodge(session, trader, b)
    hit = party_hit(first)
    assert first.lane == 2 and hit.state == "open"
    service.resolve_hit(session, first.id, hit.id, resolution="false_positive",
                        reason="a travel agency of the same name, not the airline", officer="obata")
    assert first.open_hits == 0 and first.status == "under_review"
    assert first.screening["open_hits"] == 0 and first.screening["hits"]["false_positive"] == 1
    memory = session.scalars(select(FalsePositiveDecision)).all()
    assert [(m.party_key, m.party_country, m.entry_id) for m in memory] == [("air koryo", "CN", hit.entry_id)]

    # Same party again (spelling and case may differ after normalisation): not flagged, lane 1.
    again = lodge(session, trader, body(consignee={**KORYO, "name": "AIR KORYO"}, end_user=None,
                                        destination_country="CN"))
    assert again.lane == 1 and party_hit(again).state == "remembered_false_positive"
    assert again.screening["hits"]["remembered_false_positive"] == 1

    # Another country is another party: flagged.
    assert lodge(session, trader, body(consignee={**KORYO, "country": "MN"}, end_user=None,
                                       destination_country="CN")).lane == 2

    # The list entry changes (a new alias in a new version): the party is flagged again.
    src = shared_data("watchlists", "meti-end-user-list-2025-09-29.csv")
    load_eul(session, eul_with_alias(src, tmp_path / "eul.csv", "Air Koryo", "Korean Airways"), label="2025-12-01")
    third = lodge(session, trader, b)
    assert third.lane == 2 and party_hit(third).state == "open"
    assert party_hit(third).list_version == "2025-12-01" and third.screening["list_versions"][EUL_CODE] == "2025-12-01"


def test_true_match_holds_the_export_and_blocks_release(session: Session, eul, exporter) -> None:
    trader, _ = exporter
    d = lodge(session, trader, body(consignee=KORYO, end_user=None, destination_country="CN"))
    with pytest.raises(Conflict, match="resolve every open hit"):
        service.decide(session, d.id, action="release", reason="looks fine", officer="obata")
    service.resolve_hit(session, d.id, party_hit(d).id, resolution="true_match",
                        reason="the listed airline, address matches", officer="obata")
    assert (d.status, d.lane) == ("held", 3)
    assert d.lane_reasons[-1]["kind"] == "true_match"
    with pytest.raises(Conflict):
        service.decide(session, d.id, action="release", reason="try", officer="obata")
    service.decide(session, d.id, action="reject", reason="export to a listed end user without licence",
                   officer="obata")
    assert d.status == "rejected"
    actions = [e.action for e in audit.history(session, "export_declaration", d.id)]
    assert actions == ["export_declaration.lodged", "export_declaration.hit_true_match",
                       "export_declaration.reject"]
    count, problem, _ = audit.verify(session)
    assert problem is None and count >= 3


def test_all_false_positive_then_release(session: Session, eul, exporter) -> None:
    trader, _ = exporter
    d = lodge(session, trader, body(line(hs_code="845811", description="CNC lathe", licences=["METI-1"]),
                                    consignee=KORYO, end_user=None, destination_country="CN"))
    kinds = sorted(h.kind for h in d.hits)
    assert kinds == ["goods", "party"]
    goods_hit = next(h for h in d.hits if h.kind == "goods")
    service.resolve_hit(session, d.id, party_hit(d).id, resolution="false_positive", reason="other firm",
                        officer="obata")
    service.resolve_hit(session, d.id, goods_hit.id, resolution="licence_checked", reason="METI-1 covers it",
                        officer="obata")
    # Goods decisions are not remembered as party false positives.
    assert len(session.scalars(select(FalsePositiveDecision)).all()) == 1
    service.decide(session, d.id, action="release", reason="all hits cleared", officer="obata")
    assert d.status == "released"
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "export_declaration.hit_false_positive")
                            ).one()
    assert entry.actor == "officer:obata" and '"entry_digest"' in entry.payload


def test_resolution_needs_a_reason_and_an_open_hit(session: Session, eul, exporter) -> None:
    trader, _ = exporter
    d = lodge(session, trader, body(consignee=KORYO, end_user=None, destination_country="CN"))
    h = party_hit(d)
    with pytest.raises(ValidationFailed) as e:
        service.resolve_hit(session, d.id, h.id, resolution="false_positive", reason="  ", officer="obata")
    assert e.value.errors[0].field == "reason"
    with pytest.raises(ValidationFailed) as e:
        service.resolve_hit(session, d.id, h.id, resolution="maybe", reason="x", officer="obata")
    assert e.value.errors[0].field == "resolution"
    service.resolve_hit(session, d.id, h.id, resolution="false_positive", reason="x", officer="obata")
    with pytest.raises(Conflict, match="already resolved"):
        service.resolve_hit(session, d.id, h.id, resolution="true_match", reason="x", officer="obata")


def test_selectivity_profile_lane_3_and_release_after_hold(session: Session, eul, exporter) -> None:
    from smartcustoms.risk import service as risk

    risk.create_profile(session, risk.ProfileSpec("Arms exports", 3, "Chapter 93 exports are examined",
                                                  hs_prefix="93"), "test")
    trader, _ = exporter
    d = lodge(session, trader, body(line(hs_code="930320", description="Sporting shotguns", licences=["METI-9"])))
    assert (d.lane, d.status) == (3, "awaiting_inspection")
    assert {r["kind"] for r in d.lane_reasons} == {"rule", "goods"}
    assert any(r["profile"] == "Arms exports" for r in d.lane_reasons)
    service.decide(session, d.id, action="hold", reason="waiting for the licence copy", officer="obata")
    goods_hit = next(h for h in d.hits if h.kind == "goods")
    service.resolve_hit(session, d.id, goods_hit.id, resolution="licence_checked", reason="METI-9 seen",
                        officer="obata")
    assert d.status == "held"
    service.decide(session, d.id, action="release", reason="licence verified, goods inspected", officer="obata")
    assert d.status == "released"


def test_prohibited_destination_is_held_at_once(session: Session, eul, exporter) -> None:
    trader, _ = exporter
    d = lodge(session, trader, body(destination_country="KP", consignee={"name": "Chollima Trading", "country": "KP"},
                                    end_user=None))
    assert (d.lane, d.status) == (3, "held")
    with pytest.raises(Conflict, match="resolve every open hit"):
        service.decide(session, d.id, action="release", reason="x", officer="obata")
    # No verdict other than "true match" takes a prohibited destination off the export: it can only be refused.
    (dest,) = [h for h in d.hits if h.kind == "destination"]
    for resolution in ("false_positive", "licence_checked"):
        with pytest.raises(Conflict, match="prohibited"):
            service.resolve_hit(session, d.id, dest.id, resolution=resolution, reason="looks fine", officer="obata")
    assert dest.state == "open" and d.status == "held"
    service.resolve_hit(session, d.id, dest.id, resolution="true_match", reason="North Korea", officer="obata")
    with pytest.raises(Conflict):
        service.decide(session, d.id, action="release", reason="x", officer="obata")
    service.decide(session, d.id, action="reject", reason="exports to North Korea are prohibited", officer="obata")
    assert d.status == "rejected"


def test_end_user_in_a_prohibited_country_behind_a_third_country_destination(session: Session, eul, exporter) -> None:
    """Goods declared for China but consigned to an end user in North Korea (or Russia) meet the same rules."""
    trader, _ = exporter
    kp = lodge(session, trader, body(destination_country="CN", end_user={"name": "Chollima Trading", "country": "KP"}))
    assert (kp.lane, kp.status) == (3, "held")
    (dest,) = [h for h in kp.hits if h.kind == "destination"]
    assert "end user" in dest.reason.lower() and "KP" in dest.reason
    ru = lodge(session, trader, body(destination_country="KZ",
                                     consignee={"name": "Steppe Logistics LLP", "country": "KZ"},
                                     end_user={"name": "Ural Instruments", "country": "RU"}))
    assert ru.lane == 2 and [h.entry_id for h in ru.hits if h.kind == "destination"] == ["dest-ru-export-ban"]


def test_two_officers_remembering_the_same_false_positive_at_once(session: Session, eul, exporter,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The second officer's insert meets the first one's row (a race the existence check cannot see): the
    decision is kept once and the second verdict still goes through."""
    trader, _ = exporter
    b = body(consignee=KORYO, end_user=None, destination_country="CN")
    first, second = lodge(session, trader, b), lodge(session, trader, b)
    service.resolve_hit(session, first.id, party_hit(first).id, resolution="false_positive", reason="travel agency",
                        officer="obata")
    real_scalar = session.scalar
    monkeypatch.setattr(session, "scalar", lambda stmt, *a, **k: None if "screening_false_positives" in str(stmt)
                        else real_scalar(stmt, *a, **k))
    service.resolve_hit(session, second.id, party_hit(second).id, resolution="false_positive",
                        reason="same travel agency", officer="tanaka")
    monkeypatch.undo()
    assert party_hit(second).state == "false_positive"
    assert len(session.scalars(select(FalsePositiveDecision)).all()) == 1
