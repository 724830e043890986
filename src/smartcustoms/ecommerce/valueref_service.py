"""Refreshing and reading the reference unit values (ecommerce/valueref.py has the arithmetic).

`compute` reads the goods lines of the consignments of the manifests received in a window of Japanese dates
(manifest by manifest through the `(manifest_id, line_no)` index, streamed), converts each line at the weekly rate
of its manifest's date — the date the intake valued it on —, keeps a seeded uniform sample of at most `per_key`
lines per HS subheading and unit, and gives the bands; `save` replaces the stored bands with them (one audit
entry). A window holding more than `max_consignments` accepted consignments is read every k-th line of each
manifest (k = the ratio rounded up), so a refresh takes about the same time at any volume. Runs daily in the
server (ecommerce/scheduled.py) and on demand (`smartcustoms ecommerce value-refs`); the intake reads the bands
when a manifest's first chunk is prepared, so a refresh reaches the next manifests.

Decisions: the references are the platform's own parcels, all lanes included. A parcel an officer later found
undervalued still counts; the median and the MAD move little with a few per cent of such lines, and leaving out
lanes 2 and 3 would leave out the very goods the profiles single out. A refresh that finds no band keeps the
stored ones (a window with no parcels — a wrong `--until`, an outage — must not switch the signal off).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import orjson
from sqlalchemy import delete, func, select, text
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
    """What a refresh read and found."""

    window_from: date
    window_to: date
    manifests: int
    consignments: int  # consignments read (every `step`-th line of each manifest)
    step: int
    lines: int  # goods lines sampled: with an HS code, a weekly rate, a positive quantity and value
    skipped: int  # goods lines left out: no HS code, no rate on the manifest's date, nil quantity or value
    bands: list[Band]


def compute(session: Session, until: date, days: int, min_lines: int, per_key: int, max_consignments: int,
            progress: Progress | None = None) -> Refreshed:
    """The bands of the consignments of the `days` Japanese dates ending with `until` (reads only)."""
    if days < 1 or max_consignments < 1:
        raise ValueError("days and max_consignments must be at least 1")
    start = until - timedelta(days=days - 1)
    lo = datetime.combine(start, time(0), JST).astimezone(UTC)
    hi = datetime.combine(until + timedelta(days=1), time(0), JST).astimezone(UTC)
    found = session.execute(select(Manifest.id, Manifest.received_at, Manifest.accepted)
                            .where(Manifest.received_at >= lo, Manifest.received_at < hi)
                            .order_by(Manifest.received_at, Manifest.id)).all()
    step = max(1, math.ceil(sum(m.accepted or 0 for m in found) / max_consignments))
    sampler = Sampler(per_key)
    rates: dict[date, dict[str, Decimal]] = {}
    consignments = lines = skipped = 0
    for n, (mid, received_at, _) in enumerate(found, 1):
        day = declaration_date(received_at)
        if day not in rates:
            rates[day] = rates_on(session, day)
        rate = rates[day].get
        stmt = select(Consignment.goods).where(Consignment.manifest_id == mid)
        if step > 1:
            stmt = stmt.where(Consignment.line_no % step == 0)
        for (goods,) in session.execute(stmt, execution_options={"yield_per": 2000}):
            consignments += 1
            stored: list[dict[str, Any]] = orjson.loads(goods)
            offered = 0
            for k, unit_yen in stored_unit_values(stored, rate):
                offered += sampler.offer(k, unit_yen)
            lines += offered
            skipped += len(stored) - offered
        if progress is not None:
            progress(f"manifest {n:,}/{len(found):,}", n / len(found))
    return Refreshed(start, until, len(found), consignments, step, lines, skipped, sampler.bands(min_lines))


def refresh(session: Session, until: date, days: int, min_lines: int, per_key: int, max_consignments: int,
            actor: str, progress: Progress | None = None) -> tuple[Refreshed, bool]:
    """`compute` then `save` in the caller's transaction; whether the bands were stored (not when none found)."""
    done = compute(session, until, days, min_lines, per_key, max_consignments, progress)
    return done, save(session, done.bands, done.window_from, done.window_to, actor)


def save(session: Session, bands: list[Band], window_from: date, window_to: date, actor: str) -> bool:
    """Replace every stored band with these (the caller's transaction), with one audit entry; with no bands the
    stored ones stay and nothing is written (False)."""
    if not bands:
        return False
    if session.get_bind().dialect.name == "postgresql":
        # Two refreshes at once (cron and an operator): the second waits for the first's commit, then replaces
        # its rows (without the lock both deleted nothing and the second's inserts met the first's keys).
        session.execute(text("LOCK TABLE ecommerce_value_refs IN EXCLUSIVE MODE"))
    session.execute(delete(ValueReference))
    now = utcnow()
    session.add_all(ValueReference(hs6=b.hs6, unit=b.unit, lines=b.lines, seen=b.lines_seen, median_log=b.median_log,
                                   spread=b.spread, window_from=window_from, window_to=window_to, computed_at=now)
                    for b in bands)
    session.flush()
    audit.append(session, actor=actor, action="ecommerce.value_refs_refreshed", entity_type="ecommerce_value_refs",
                 entity_id=window_to.isoformat(),
                 data={"window_from": window_from.isoformat(), "window_to": window_to.isoformat(),
                       "bands": len(bands)})
    return True


# The bands of each database this process read them from, with the version they were read at: a manifest asks
# only for the version (a count and the refresh time), and reads the bands again only after a refresh. A real
# schedule has thousands of bands: reading them for every manifest cost 0.1-0.7 s, and sending them to the worker
# with every chunk ~40 ms per 5,000 bands (the review measured both).
_CACHE: dict[str, tuple[tuple[Any, ...], dict[str, Band]]] = {}
_CACHE_DATABASES = 8


def bands_for(session: Session) -> dict[str, Band]:
    """The stored bands by key (HS subheading and unit), read once per refresh and process; empty before the
    first refresh."""
    version = tuple(session.execute(select(func.count(), func.max(ValueReference.computed_at))).one())
    bind = session.get_bind()
    where = bind.engine.url.render_as_string(hide_password=True) if hasattr(bind, "engine") else str(id(bind))
    hit = _CACHE.get(where)
    if hit is not None and hit[0] == version:
        return hit[1]
    bands = load_bands(session)
    if len(_CACHE) >= _CACHE_DATABASES:
        _CACHE.pop(next(iter(_CACHE)))
    _CACHE[where] = (version, bands)
    return bands


def load_bands(session: Session, hs6: str | None = None) -> dict[str, Band]:
    """The stored bands by key (of one HS subheading when given), read now."""
    t = ValueReference.__table__.c
    stmt = select(t.hs6, t.unit, t.lines, t.median_log, t.spread, t.seen)
    if hs6 is not None:
        stmt = stmt.where(t.hs6 == hs6)
    return {key(code, unit): Band(code, unit, lines, median_log, spread, seen or 0)
            for code, unit, lines, median_log, spread, seen in session.execute(stmt)}


def stored_window(session: Session) -> tuple[date, date, datetime, int] | None:
    """The window, time and count of the stored bands (None before the first refresh)."""
    row = session.execute(select(func.min(ValueReference.window_from), func.max(ValueReference.window_to),
                                 func.max(ValueReference.computed_at), func.count())).one()
    return None if row[3] == 0 else (row[0], row[1], row[2], row[3])


def count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(ValueReference)) or 0)
