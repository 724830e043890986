"""Manifests whose intake stopped without an end (server killed, connection lost): marked interrupted, with
what the submitter should do, so that officers and submitters do not see them receiving for ever."""

from __future__ import annotations

from datetime import datetime, timedelta

import orjson
from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from smartcustoms.audit import service as audit
from smartcustoms.audit.models import AuditEntry
from smartcustoms.ecommerce import lifecycle
from smartcustoms.ecommerce.models import Manifest
from smartcustoms.ecommerce.records import problem


def last_activity(session: Session, manifest_id: str, received_at: datetime) -> datetime:
    """When the manifest was opened or last had a chunk committed (each one appends an audit entry)."""
    at = session.scalar(select(func.max(AuditEntry.at)).where(AuditEntry.entity_id == manifest_id,
                                                              AuditEntry.entity_type == "ecommerce_manifest"))
    return datetime.fromisoformat(at) if at else received_at


def mark_interrupted(session: Session, now: datetime, after: timedelta, actor: str = "system") -> list[str]:
    """Mark every manifest still receiving with nothing committed for `after` as interrupted (in the caller's
    transaction); their ids. Lines with a result stay stored: sending the manifest again finishes it, and the
    parcels already stored come back as repeats.

    Only a manifest found silent is locked, and one whose intake holds it (committing a chunk) is skipped, so a
    live intake never waits for the sweep; the silence is checked again once the lock is held."""
    done: list[str] = []
    # Every manifest still receiving with its last entry, in one query (it runs whenever a manifest is opened, so
    # its cost must not grow with the manifests being received at the same time).
    receiving = session.execute(
        select(Manifest.id, Manifest.received_at, func.max(AuditEntry.at))
        .outerjoin(AuditEntry, and_(AuditEntry.entity_id == Manifest.id,
                                    AuditEntry.entity_type == "ecommerce_manifest"))
        .where(Manifest.status == lifecycle.RECEIVING)
        .group_by(Manifest.id, Manifest.received_at).order_by(Manifest.received_at)).all()
    for mid, received_at, at in receiving:
        seen = datetime.fromisoformat(at) if at else received_at
        if not lifecycle.manifest_interrupted(lifecycle.RECEIVING, seen, now, after):
            continue
        if interrupt(session, mid, now, after, actor):
            done.append(mid)
    return done


def interrupt(session: Session, manifest_id: str, now: datetime, after: timedelta, actor: str = "system") -> bool:
    """Mark one manifest interrupted if it is still receiving with nothing committed for `after` (in the caller's
    transaction); whether it was. A manifest whose intake holds it (committing a chunk) is skipped, and the silence
    is checked again once the lock is held."""
    m = session.scalars(select(Manifest).where(Manifest.id == manifest_id, Manifest.status == lifecycle.RECEIVING)
                        .with_for_update(skip_locked=True).execution_options(populate_existing=True)).first()
    if m is None:
        return False  # finished meanwhile, or its intake is committing a chunk right now
    last = last_activity(session, manifest_id, m.received_at)
    if not lifecycle.manifest_interrupted(m.status, last, now, after):
        return False
    error = problem("body", f"intake stopped with {m.lines} line(s) answered: nothing was committed for it "
                            f"since {last.isoformat()} (the server stopped or the connection was lost). Lines "
                            "with a result are stored; send the manifest again to finish it: stored parcels "
                            "come back as repeats", "interrupted")
    m.status, m.completed_at, m.error = lifecycle.INTERRUPTED, now, orjson.dumps(error).decode()
    audit.append(session, actor=actor, action="ecommerce.manifest_interrupted", entity_type="ecommerce_manifest",
                 entity_id=m.id, data={"lines": m.lines, "last_activity": last.isoformat(), "error": error})
    return True
