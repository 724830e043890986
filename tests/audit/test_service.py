"""Audit chain in the database: appends chain, tampering is detected."""

from __future__ import annotations

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
