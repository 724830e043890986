"""Append to and verify the audit chain (the caller owns the transaction)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import Session

from smartcustoms.audit.chain import (
    GENESIS_HASH,
    ChainEntry,
    ChainProblem,
    canonical_json,
    entry_hash,
    verify_chain,
)
from smartcustoms.audit.models import AuditEntry, AuditHead
from smartcustoms.db import utcnow

# Built once, on the tables (not the ORM entities): executed on the session's connection they skip the ORM's
# statement handling (ORM-enabled UPDATEs and a flush), which cost most of an append: 1.45 ms -> 0.24 ms each,
# measured on SQLite. An e-commerce manifest appends one entry per chunk; every lodgement, payment and gate
# decision appends one.
_HEAD_TABLE, _ENTRY_TABLE = cast(Table, AuditHead.__table__), cast(Table, AuditEntry.__table__)
_HEAD = _HEAD_TABLE.c
_BUMP = (update(_HEAD_TABLE).where(_HEAD.id == 1).values(seq=_HEAD.seq + 1)
         .returning(_HEAD.seq, _HEAD.hash))
_SET_HASH = update(_HEAD_TABLE).where(_HEAD.id == 1).values(hash=bindparam("new_hash"))
_INSERT = insert(_ENTRY_TABLE)


def append(
    session: Session, *, actor: str, action: str, entity_type: str, entity_id: str, data: dict[str, Any]
) -> AuditEntry:
    """Append one entry, chained to the previous one, inside the caller's transaction (the entry returned is a
    copy, not in the session)."""
    # What the caller added before is written first, as an ORM statement would have flushed it.
    session.flush()
    conn = session.connection()
    # Bumping the head row first takes the write lock (row lock on PostgreSQL, database lock on
    # SQLite), so two concurrent transactions can never chain onto the same predecessor. The head
    # holds the last hash, so the previous entry need not be read.
    row = conn.execute(_BUMP).first()
    if row is None:
        raise RuntimeError("audit head row missing: run `smartcustoms db upgrade`")
    seq, prev = int(row[0]), str(row[1])
    at = utcnow().isoformat()
    payload = canonical_json(json.loads(json.dumps(data, default=str)))
    digest = entry_hash(
        seq=seq,
        at=at,
        actor=actor,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        payload=payload,
        prev_hash=prev,
    )
    values = {"seq": seq, "at": at, "actor": actor, "action": action, "entity_type": entity_type,
              "entity_id": entity_id, "payload": payload, "prev_hash": prev, "hash": digest}
    conn.execute(_INSERT, values)
    conn.execute(_SET_HASH, {"new_hash": digest})
    return AuditEntry(**values)


def _entries(session: Session) -> Iterator[ChainEntry]:
    stmt = select(AuditEntry).order_by(AuditEntry.seq).execution_options(yield_per=2000)
    for e in session.scalars(stmt):
        yield ChainEntry(
            seq=e.seq,
            at=e.at,
            actor=e.actor,
            action=e.action,
            entity_type=e.entity_type,
            entity_id=e.entity_id,
            payload=e.payload,
            prev_hash=e.prev_hash,
            hash=e.hash,
        )


def verify(session: Session) -> tuple[int, ChainProblem | None, str]:
    """Check the whole chain; returns (entries checked, first problem or None, head hash)."""
    head = session.get(AuditHead, 1)
    head_seq = head.seq if head else 0
    head_hash = head.hash if head else GENESIS_HASH
    count, problem = verify_chain(_entries(session), head_seq, head_hash)
    return count, problem, head_hash


def history(session: Session, entity_type: str, entity_id: str) -> list[AuditEntry]:
    """Entries about one entity, oldest first."""
    stmt = (
        select(AuditEntry)
        .where(AuditEntry.entity_type == entity_type, AuditEntry.entity_id == entity_id)
        .order_by(AuditEntry.seq)
    )
    return list(session.scalars(stmt))


def sealed_digests(session: Session, entity_type: str) -> dict[str, tuple[int, str | None, int]]:
    """For each entity of a type, the sequence number, `content_sha256` and digest version
    (`content_digest_version`, 1 when absent) of its latest audit entry."""
    sealed: dict[str, tuple[int, str | None, int]] = {}
    stmt = (select(AuditEntry.entity_id, AuditEntry.seq, AuditEntry.payload)
            .where(AuditEntry.entity_type == entity_type).order_by(AuditEntry.seq))
    for entity_id, seq, payload in session.execute(stmt):
        data = json.loads(payload)
        sealed[entity_id] = (seq, data.get("content_sha256"), int(data.get("content_digest_version", 1)))
    return sealed


def check_seals(session: Session, entity_type: str, label: str,
                contents: Iterable[tuple[str, Callable[[int], str]]]) -> tuple[int, str | None]:
    """Compare the records' digests now with what their latest audit entries sealed; (records checked, first problem
    or None). `contents` gives each record's id and a function that computes its digest in a given digest version
    (a seal keeps the version it was made with, so a record sealed before a digest grew is still checked by the
    digest of its time). A record without an entry, a record whose digest differs and an entity the chain knows but
    `contents` lacks are each a problem, named with `label` and the id."""
    sealed = sealed_digests(session, entity_type)
    checked = 0
    seen: set[str] = set()
    for entity_id, digest in contents:
        checked += 1
        seen.add(entity_id)
        seal = sealed.get(entity_id)
        if seal is None:
            return checked, f"{label} {entity_id} has no audit entry"
        if seal[1] is not None and seal[1] != digest(seal[2]):
            return checked, f"{label} {entity_id} differs from what audit entry {seal[0]} sealed"
    missing = set(sealed) - seen
    if missing:
        return checked, f"{label} {sorted(missing)[0]} is in the audit trail but missing from the database"
    return checked, None
