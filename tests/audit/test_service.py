"""Audit chain in the database: appends chain, tampering is detected."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from smartcustoms.audit import service
from smartcustoms.audit.models import AuditEntry


def _append(session: Session, n: int) -> None:
    for i in range(n):
        service.append(session, actor="officer:a", action="test.event", entity_type="thing", entity_id=str(i),
                       data={"i": i, "note": "許可"})
    session.flush()


def test_appends_chain_and_verify(session: Session) -> None:
    _append(session, 5)
    count, problem, head = service.verify(session)
    assert problem is None
    assert count >= 5
    last = session.scalar(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1))
    assert last is not None and last.hash == head
    assert [e.entity_id for e in service.history(session, "thing", "3")] == ["3"]


def test_edited_row_detected(session: Session) -> None:
    _append(session, 4)
    target = session.scalar(select(AuditEntry.seq).where(AuditEntry.entity_id == "2",
                                                         AuditEntry.entity_type == "thing"))
    session.execute(update(AuditEntry).where(AuditEntry.seq == target).values(payload='{"i":999}'))
    _, problem, _ = service.verify(session)
    assert problem is not None and problem.seq == target


def test_deleted_row_detected(session: Session) -> None:
    _append(session, 4)
    target = session.scalar(select(AuditEntry.seq).where(AuditEntry.entity_id == "1",
                                                         AuditEntry.entity_type == "thing"))
    session.execute(delete(AuditEntry).where(AuditEntry.seq == target))
    _, problem, _ = service.verify(session)
    assert problem is not None and problem.seq == target + 1


def test_inserted_row_detected(session: Session) -> None:
    _append(session, 3)
    last = session.scalar(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1))
    assert last is not None
    # A forged entry appended after the last one, claiming a plausible link, without the head moving.
    session.execute(insert(AuditEntry).values(seq=last.seq + 1, at=last.at, actor="intruder", action="x",
                                              entity_type="thing", entity_id="x", payload="{}",
                                              prev_hash=last.hash, hash="f" * 64))
    _, problem, _ = service.verify(session)
    assert problem is not None and problem.seq == last.seq + 1


def test_declaration_edits_detected_against_their_seal(session: Session, make_trader: Any) -> None:
    from smartcustoms.declarations import flows
    from smartcustoms.declarations import service as declarations
    from smartcustoms.declarations.models import DeclarationLine, ImportDeclaration, StatusChange
    from smartcustoms.declarations.schemas import ImportDeclarationIn
    from smartcustoms.risk import service as risk
    from tests.declarations.helpers import body, line

    risk.create_profile(session, risk.ProfileSpec("docs", 2, "documents", min_value_jpy=0), "test")
    trader, _ = make_trader()
    a = flows.lodge(session, ImportDeclarationIn.model_validate(body(line(quantity="1E+2", net_mass_kg="1.50"))),
                    trader)
    b = flows.lodge(session, ImportDeclarationIn.model_validate(body()), trader)
    flows.amend(session, b, ImportDeclarationIn.model_validate(body(line(customs_value="200000"))), trader, None)
    declarations.decide(session, a.id, action="hold", reason="check", officer="o", role="officer")
    session.flush()
    session.expire_all()  # compare what the database holds, not the objects in memory
    assert declarations.verify_contents(session) == (2, None)

    original_total = a.total_jpy
    session.execute(update(ImportDeclaration).where(ImportDeclaration.id == a.id).values(total_jpy=1))
    _, problem = declarations.verify_contents(session)
    assert problem is not None and a.id in problem
    session.execute(update(ImportDeclaration).where(ImportDeclaration.id == a.id).values(total_jpy=original_total))
    session.expire_all()
    assert declarations.verify_contents(session)[1] is None

    b_lines = update(DeclarationLine).where(DeclarationLine.declaration_id == b.id)
    session.execute(b_lines.values(customs_value=Decimal("1")))
    assert b.id in (declarations.verify_contents(session)[1] or "")
    session.execute(b_lines.values(customs_value=Decimal("200000")))
    session.expire_all()
    assert declarations.verify_contents(session)[1] is None

    first = session.scalar(select(StatusChange.id).where(StatusChange.declaration_id == a.id).limit(1))
    session.execute(delete(StatusChange).where(StatusChange.id == first))
    assert a.id in (declarations.verify_contents(session)[1] or "")
