"""Reading manifests and consignments back: the submitter's view (summary, paged results) and the officer's."""

from __future__ import annotations

import heapq
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcustoms.ecommerce.models import Consignment, Manifest, Rejection, Repeat
from smartcustoms.ecommerce.pipeline import RESULT_COLUMNS, accepted_result, rejected_result, summary
from smartcustoms.errors import NotFound

C = Consignment.__table__.c


def manifest_for(session: Session, submitter_id: int, manifest_id: str) -> Manifest:
    """A manifest of this submitter (another submitter's manifest is not found, not forbidden)."""
    m = session.get(Manifest, manifest_id)
    if m is None or m.submitter_id != submitter_id:
        raise NotFound(f"manifest {manifest_id}")
    return m


def manifests_of(session: Session, submitter_id: int, limit: int) -> list[dict[str, Any]]:
    """The submitter's latest manifests, newest first."""
    rows = session.scalars(select(Manifest).where(Manifest.submitter_id == submitter_id)
                           .order_by(Manifest.received_at.desc()).limit(limit))
    return [summary(m) for m in rows]


def results_page(session: Session, manifest_id: str, after: int, limit: int) -> list[dict[str, Any]]:
    """Stored results of lines after `after`, in line order: accepted, repeated and rejected lines merged."""
    cols = [C[n] for n in RESULT_COLUMNS]
    accepted = session.execute(select(*cols).where(C.manifest_id == manifest_id, C.line_no > after)
                               .order_by(C.line_no).limit(limit)).mappings()
    a = [accepted_result(r, r["line_no"], False) for r in accepted]
    rep = session.execute(
        select(Repeat.line_no, *cols).join(Consignment, Consignment.id == Repeat.consignment_id)
        .where(Repeat.manifest_id == manifest_id, Repeat.line_no > after).order_by(Repeat.line_no).limit(limit)
    ).all()
    b = [accepted_result(dict(zip(RESULT_COLUMNS, r[1:], strict=True)), r[0], True) for r in rep]
    rej = session.execute(select(Rejection.line_no, Rejection.parcel_id, Rejection.errors)
                          .where(Rejection.manifest_id == manifest_id, Rejection.line_no > after)
                          .order_by(Rejection.line_no).limit(limit)).all()
    c = [rejected_result(n, p, orjson.loads(e)) for n, p, e in rej]
    return list(heapq.merge(a, b, c, key=lambda r: r["line"]))[:limit]


def result_for_parcel(session: Session, submitter_id: int, parcel_id: str) -> dict[str, Any]:
    """The stored result of one of the submitter's parcels."""
    cols = [C[n] for n in RESULT_COLUMNS]
    row = session.execute(select(C.manifest_id, *cols).where(C.submitter_id == submitter_id,
                                                             C.parcel_id == parcel_id)).mappings().first()
    if row is None:
        raise NotFound(f"parcel {parcel_id}")
    out = accepted_result(row, row["line_no"], False)
    out["manifest_id"] = row["manifest_id"]
    return out
