"""`smartcustoms audit verify` for exports: each export still says what its latest audit entry sealed."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from smartcustoms.exports import flows, service
from smartcustoms.exports.models import ExportDeclaration, ExportDeclarationLine, ExportHit
from smartcustoms.exports.schemas import ExportDeclarationIn
from tests.exports.helpers import body

LISTED = {"name": "AIR KORYO", "address": "Shenyang office", "country": "CN"}


def test_export_edits_outside_the_platform_are_found(session: Session, eul, exporter) -> None:
    trader, _ = exporter
    clean = flows.lodge(session, ExportDeclarationIn.model_validate(body()), trader)
    listed = flows.lodge(session, ExportDeclarationIn.model_validate(
        body(consignee=LISTED, end_user=None, destination_country="CN")), trader)
    hit = next(h for h in listed.hits if h.kind == "party")
    service.resolve_hit(session, listed.id, hit.id, resolution="false_positive", reason="another airline",
                        officer="obata")
    flows.amend(session, listed, ExportDeclarationIn.model_validate(
        body(consignee=LISTED, end_user=None, destination_country="CN", office="KIX-AIR")), trader, None)
    session.flush()
    session.expire_all()  # compare what the database holds, not the objects in memory
    assert service.verify_contents(session) == (2, None)

    # A verdict changed behind the platform's back
    hit_id, state = session.execute(select(ExportHit.id, ExportHit.state)
                                    .where(ExportHit.declaration_id == listed.id).limit(1)).one()
    session.execute(update(ExportHit).where(ExportHit.id == hit_id).values(state="true_match"))
    problem = service.verify_contents(session)[1]
    assert problem is not None and listed.id in problem
    session.execute(update(ExportHit).where(ExportHit.id == hit_id).values(state=state))
    session.expire_all()
    assert service.verify_contents(session)[1] is None

    lines = update(ExportDeclarationLine).where(ExportDeclarationLine.declaration_id == clean.id)
    session.execute(lines.values(value=Decimal("1")))
    assert clean.id in (service.verify_contents(session)[1] or "")
    session.execute(lines.values(value=Decimal("250000")))
    session.expire_all()
    assert service.verify_contents(session)[1] is None

    session.execute(update(ExportDeclaration).where(ExportDeclaration.id == clean.id).values(status="rejected"))
    assert clean.id in (service.verify_contents(session)[1] or "")
    session.execute(update(ExportDeclaration).where(ExportDeclaration.id == clean.id).values(status="released"))
    session.expire_all()
    assert service.verify_contents(session)[1] is None

    session.execute(delete(ExportHit).where(ExportHit.declaration_id == clean.id))
    session.execute(delete(ExportDeclarationLine).where(ExportDeclarationLine.declaration_id == clean.id))
    session.execute(delete(ExportDeclaration).where(ExportDeclaration.id == clean.id))
    session.expire_all()
    problem = service.verify_contents(session)[1]
    assert problem is not None and clean.id in problem and "missing" in problem
    assert session.scalar(select(ExportDeclaration.id).where(ExportDeclaration.id == clean.id)) is None


def test_no_false_alarm_after_rescreen_resolution_amendment_and_decisions(session: Session, exporter) -> None:
    from tests.conftest import shared_data
    from tests.exports.helpers import load_eul

    trader, _ = exporter
    listed = body(consignee=LISTED, end_user=None, destination_country="CN")
    # Lodged while no watch list was loaded; the others after the list was loaded (an open party hit each).
    unscreened = flows.lodge(session, ExportDeclarationIn.model_validate(listed), trader)
    load_eul(session, shared_data("watchlists", "meti-end-user-list-2025-09-29.csv"))
    to_kp = flows.lodge(session, ExportDeclarationIn.model_validate(listed), trader)
    twice = flows.lodge(session, ExportDeclarationIn.model_validate(listed), trader)
    assert twice.status == "under_review"
    # Screened by an officer, cleared (remembered) and released.
    service.rescreen(session, unscreened.id, officer="obata")
    for h in [x for x in unscreened.hits if x.state == "open"]:
        service.resolve_hit(session, unscreened.id, h.id, resolution="false_positive", reason="another airline",
                            officer="obata")
    service.decide(session, unscreened.id, action="release", reason="cleared", officer="obata")
    # Amended into a prohibited destination (held), then refused; another amended twice (remembered) and released.
    flows.amend(session, to_kp, ExportDeclarationIn.model_validate(body(destination_country="KP")), trader, None)
    assert to_kp.status == "held"
    service.decide(session, to_kp.id, action="reject", reason="prohibited destination", officer="obata")
    for office in ("KIX-AIR", "NRT-AIR"):
        flows.amend(session, twice, ExportDeclarationIn.model_validate({**listed, "office": office}), trader, None)
    assert twice.open_hits == 0 and twice.lane == 2
    service.decide(session, twice.id, action="release", reason="remembered false positive", officer="obata")
    session.flush()
    session.expire_all()  # compare what the database holds, not the objects in memory
    assert service.verify_contents(session) == (3, None)
