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
