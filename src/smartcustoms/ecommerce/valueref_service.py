"""Refreshing and reading the reference unit values (ecommerce/valueref.py has the arithmetic).

`refresh` reads the goods lines of the consignments stored in a window of Japanese dates (the manifests received
in it, manifest by manifest through their index), converts each line at the weekly rate of its consignment's date,
keeps a seeded uniform sample of at most `per_key` lines per HS subheading and unit, and replaces every band in
the caller's transaction (one audit entry). Meant to run daily (`smartcustoms ecommerce value-refs`, cron or the
operator); the intake reads the bands when a manifest is opened, so a refresh reaches the next manifests.

Decision: the references are the platform's own parcels, all lanes included. A parcel an officer later found
undervalued still counts; the median and the MAD move little with a few per cent of such lines, and leaving out
the lanes 2 and 3 would leave out the very goods the profiles single out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import orjson
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from smartcustoms.audit import service as audit
from smartcustoms.db import utcnow
from smartcustoms.declarations.flows import JST, declaration_date
from smartcustoms.ecommerce.models import Consignment, Manifest, ValueReference
from smartcustoms.ecommerce.valueref import Band, Sampler, key, stored_unit_values
from smartcustoms.reference.service import rates_on

Progress = Callable[[str, float], None]


@dataclass(frozen=True)
class Refreshed:
    """What a refresh read and kept."""

    window_from: date
    window_to: date
    manifests: int
    consignments: int
    lines: int  # goods lines with an HS code, a rate and a quantity, offered to the sample
    bands: list[Band]


def refresh(session: Session, until: date, days: int, min_lines: int, per_key: int, actor: str,
            progress: Progress | None = None) -> Refreshed:
    """Recompute every band from the consignments of the `days` Japanese dates ending with `until` and store them
    in place of the old ones (the caller's transaction)."""
    if days < 1:
        raise ValueError("days must be at least 1")
    start = until - timedelta(days=days - 1)
    lo = datetime.combine(start, time(0), JST).astimezone(UTC)
    hi = datetime.combine(until + timedelta(days=1), time(0), JST).astimezone(UTC)
    ids = list(session.scalars(select(Manifest.id).where(Manifest.received_at >= lo, Manifest.received_at < hi)
                               .order_by(Manifest.received_at, Manifest.id)))
    sampler = Sampler(per_key)
    rates: dict[date, dict[str, Decimal]] = {}
    consignments = lines = 0
    for n, mid in enumerate(ids, 1):
        rows = session.execute(select(Consignment.goods, Consignment.received_at)
                               .where(Consignment.manifest_id == mid).order_by(Consignment.line_no))
        for goods, received_at in rows:
            day = declaration_date(received_at)
            if day not in rates:
                rates[day] = rates_on(session, day)
            consignments += 1
            for k, unit_yen in stored_unit_values(orjson.loads(goods), rates[day].get):
                sampler.offer(k, unit_yen)
                lines += 1
        if progress is not None:
            progress(f"manifest {n:,}/{len(ids):,}", n / len(ids))
    bands = sampler.bands(min_lines)
    save(session, bands, start, until, actor)
    return Refreshed(start, until, len(ids), consignments, lines, bands)


def save(session: Session, bands: list[Band], window_from: date, window_to: date, actor: str) -> None:
    """Replace every stored band with these (the caller's transaction), with one audit entry."""
    session.execute(delete(ValueReference))
    now = utcnow()
    session.add_all(ValueReference(hs6=b.hs6, unit=b.unit, lines=b.lines, median_log=b.median_log, spread=b.spread,
                                   window_from=window_from, window_to=window_to, computed_at=now) for b in bands)
    session.flush()
    audit.append(session, actor=actor, action="ecommerce.value_refs_refreshed", entity_type="ecommerce_value_refs",
                 entity_id=window_to.isoformat(),
                 data={"window_from": window_from.isoformat(), "window_to": window_to.isoformat(),
                       "bands": len(bands)})


def load_bands(session: Session) -> dict[str, Band]:
    """The stored bands by key (HS subheading and unit); empty before the first refresh."""
    return {key(r.hs6, r.unit): Band(r.hs6, r.unit, r.lines, r.median_log, r.spread)
            for r in session.scalars(select(ValueReference))}


def count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(ValueReference)) or 0)
