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


def test_status_history_edits_are_found_and_older_seals_still_verify(session: Session, exporter) -> None:
    import json

    from smartcustoms.audit.models import AuditEntry
    from smartcustoms.exports.models import ExportStatusChange

    trader, _ = exporter
    d = flows.lodge(session, ExportDeclarationIn.model_validate(
        body(consignee=LISTED, end_user=None, destination_country="CN")), trader)
    service.decide(session, d.id, action="hold", reason="licence copy missing", officer="obata")
    session.flush()
    session.expire_all()
    assert service.verify_contents(session) == (1, None)
    rows = session.scalars(select(ExportStatusChange).where(ExportStatusChange.declaration_id == d.id)
                           .order_by(ExportStatusChange.id)).all()
    first_id, first_actor, last_id = rows[0].id, rows[0].actor, rows[-1].id
    # A history row rewritten, then one deleted, behind the platform's back.
    session.execute(update(ExportStatusChange).where(ExportStatusChange.id == first_id).values(actor="trader:X"))
    session.expire_all()
    assert d.id in (service.verify_contents(session)[1] or "")
    session.execute(update(ExportStatusChange).where(ExportStatusChange.id == first_id).values(actor=first_actor))
    session.expire_all()
    assert service.verify_contents(session)[1] is None
    last = session.get(ExportStatusChange, last_id)
    assert last is not None
    saved = {c: getattr(last, c) for c in ("declaration_id", "action", "from_status", "to_status", "lane", "reason",
                                           "actor", "at")}
    session.execute(delete(ExportStatusChange).where(ExportStatusChange.id == last.id))
    session.expire_all()
    assert d.id in (service.verify_contents(session)[1] or "")
    session.add(ExportStatusChange(id=last_id, **saved))
    session.flush()
    session.expire_all()
    assert service.verify_contents(session)[1] is None
    # An export sealed before the digest covered the history (version 1, no version in the entry) is checked with
    # the digest of its time: no false alarm, and a change to it is still found.
    entry = session.scalars(select(AuditEntry).where(AuditEntry.entity_id == d.id)
                            .order_by(AuditEntry.seq.desc()).limit(1)).one()
    payload = json.loads(entry.payload)
    payload.pop("content_digest_version")
    payload["content_sha256"] = service.content_digest(session.get(ExportDeclaration, d.id), version=1)
    session.execute(update(AuditEntry).where(AuditEntry.seq == entry.seq).values(payload=json.dumps(payload)))
    session.expire_all()
    assert service.verify_contents(session)[1] is None
    session.execute(update(ExportDeclaration).where(ExportDeclaration.id == d.id).values(status="released"))
    session.expire_all()
    assert d.id in (service.verify_contents(session)[1] or "")
