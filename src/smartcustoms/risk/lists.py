"""Pure officer lists: post-clearance audit candidates, undervaluation signals, on-site inspection candidates.

Inputs are plain facts read by lists_service.py; nothing here touches the database. An undervaluation signal is
a prompt for an officer to look, never a revaluation: customs value is decided under the Customs Tariff Act
(art. 4 ff.), not by a statistic.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

import numpy as np

MAD_TO_SIGMA = 1.4826  # MAD × 1.4826 estimates the standard deviation of a normal sample
MIN_LOG_SCALE = 0.05  # identical reference prices give MAD 0; a 5% spread floor stops every cent below flagging
PRIOR_STRENGTH = 5.0  # pseudo-inspections pulling a small importer's discrepancy rate towards the overall rate


@dataclass(frozen=True)
class DeclarationFacts:
    """What the lists need of one declaration."""

    declaration_id: str
    importer_code: str
    importer_name: str
    declared_on: date
    status: str
    lane: int
    customs_value_jpy: int
    duty_tax_jpy: int
    score: float | None
    inspection_result: str | None
    recovered_duty_jpy: int


@dataclass(frozen=True)
class LineValue:
    """One declared line's value and amount, for unit-value comparison."""

    declaration_id: str
    line_no: int
    declared_on: date
    importer_code: str
    importer_name: str
    hs6: str
    origin_country: str
    description: str
    value_jpy: int
    net_mass_kg: Decimal
    quantity: Decimal
    unit: str


@dataclass(frozen=True)
class AuditCandidate:
    """An importer ranked for post-clearance audit, with its record over the period."""

    rank: int
    importer_code: str
    importer_name: str
    expected_recoverable_jpy: int
    at_stake_jpy: int
    declarations: int
    released: int
    scored: int
    inspections: int
    discrepancies: int
    discrepancy_rate: float | None
    recovered_duty_jpy: int
    last_declared_on: date


@dataclass(frozen=True)
class UndervaluationSignal:
    """A line whose unit value sits below the reference band of its HS6 and origin (a signal, not a value)."""

    declaration_id: str
    line_no: int
    declared_on: date
    importer_code: str
    importer_name: str
    hs6: str
    origin_country: str
    description: str
    basis: str
    unit_value_jpy: float
    reference_median_jpy: float
    band_lower_jpy: float
    reference_lines: int
    ratio_to_median: float
    robust_z: float
    value_jpy: int


@dataclass(frozen=True)
class InspectionCandidate:
    """An open declaration ranked for on-site inspection by score × duty and tax at stake."""

    rank: int
    declaration_id: str
    declared_on: date
    importer_code: str
    importer_name: str
    lane: int
    status: str
    score: float | None
    duty_tax_jpy: int
    customs_value_jpy: int
    priority_jpy: int | None


def _p(score: float | None) -> float | None:
    return None if score is None or math.isnan(score) else min(1.0, max(0.0, score))


def _or(p: float | None, fallback: float) -> float:
    return fallback if p is None else p


def audit_candidates(facts: Iterable[DeclarationFacts], released_status: str = "released") -> list[AuditCandidate]:
    """Importers by expected recoverable duty: Σ p × duty and tax over released declarations, plus recoveries.

    p is the declaration's model score where there is one, else the importer's discrepancy rate shrunk towards
    the overall rate (a new importer with one lucky inspection is not certified clean). Past recoveries are added
    because an importer found short before is the classic post-clearance audit lead.
    """
    by_importer: dict[str, list[DeclarationFacts]] = defaultdict(list)
    for f in facts:
        by_importer[f.importer_code].append(f)
    inspected = [f for fs in by_importer.values() for f in fs if f.inspection_result]
    overall = sum(f.inspection_result == "discrepancy" for f in inspected) / len(inspected) if inspected else 0.0
    out = []
    for code, fs in by_importer.items():
        insp = [f for f in fs if f.inspection_result]
        disc = sum(f.inspection_result == "discrepancy" for f in insp)
        fallback = (disc + PRIOR_STRENGTH * overall) / (len(insp) + PRIOR_STRENGTH)
        # Post-clearance audit looks at goods already released; open ones are the inspection list's business.
        released = [f for f in fs if f.status == released_status]
        expected = sum(_or(_p(f.score), fallback) * f.duty_tax_jpy for f in released)
        recovered = sum(f.recovered_duty_jpy for f in fs)
        latest = max(fs, key=lambda f: (f.declared_on, f.declaration_id))
        out.append(AuditCandidate(
            0, code, latest.importer_name, round(expected + recovered), sum(f.duty_tax_jpy for f in released),
            len(fs), len(released), sum(_p(f.score) is not None for f in fs), len(insp), disc,
            disc / len(insp) if insp else None, recovered, latest.declared_on,
        ))
    out.sort(key=lambda c: (-c.expected_recoverable_jpy, -c.recovered_duty_jpy, c.importer_code))
    return [replace(c, rank=n) for n, c in enumerate(out, start=1)]


def unit_value(line: LineValue) -> tuple[str, float] | None:
    """(basis, yen per basis unit): per kg when a net mass is declared, else per declared quantity unit."""
    if line.value_jpy <= 0:
        return None
    if line.net_mass_kg > 0:
        return "kg", line.value_jpy / float(line.net_mass_kg)
    if line.quantity > 0:
        return line.unit, line.value_jpy / float(line.quantity)
    return None


def undervaluation_signals(
    lines: Sequence[LineValue], start: date, end: date, *, min_reference: int = 5, z_threshold: float = 3.0,
) -> list[UndervaluationSignal]:
    """Lines declared in [start, end] below their band: median − z × robust spread of log unit values.

    The band for a line comes from lines of *other* declarations in `lines` (the caller's reference window) with
    the same HS6, origin and basis; fewer than `min_reference` of them and there is no verdict at all.
    """
    groups: dict[tuple[str, str, str], list[tuple[LineValue, float]]] = defaultdict(list)
    for ln in lines:
        uv = unit_value(ln)
        if uv is not None:
            groups[(ln.hs6, ln.origin_country, uv[0])].append((ln, math.log(uv[1])))
    out = []
    for (_, _, basis), members in groups.items():
        if len(members) <= min_reference:
            continue
        owners = np.array([m[0].declaration_id for m in members])
        logs = np.array([m[1] for m in members])
        for ln, log_uv in members:
            if not start <= ln.declared_on <= end:
                continue
            ref = logs[owners != ln.declaration_id]
            if len(ref) < min_reference:
                continue
            median = float(np.median(ref))
            scale = max(MAD_TO_SIGMA * float(np.median(np.abs(ref - median))), MIN_LOG_SCALE)
            z = (log_uv - median) / scale
            if z >= -z_threshold:
                continue
            out.append(UndervaluationSignal(
                ln.declaration_id, ln.line_no, ln.declared_on, ln.importer_code, ln.importer_name, ln.hs6,
                ln.origin_country, ln.description, basis, math.exp(log_uv), math.exp(median),
                math.exp(median - z_threshold * scale), len(ref), math.exp(log_uv - median), z, ln.value_jpy,
            ))
    out.sort(key=lambda s: (s.robust_z, s.declaration_id, s.line_no))
    return out


def inspection_candidates(facts: Iterable[DeclarationFacts], open_statuses: Iterable[str]) -> list[InspectionCandidate]:
    """Open declarations by score × duty and tax at stake; unscored ones after, largest duty and tax first."""
    allowed = set(open_statuses)
    rows = []
    for f in facts:
        if f.status not in allowed:
            continue
        p = _p(f.score)
        rows.append(InspectionCandidate(0, f.declaration_id, f.declared_on, f.importer_code, f.importer_name, f.lane,
                                        f.status, p, f.duty_tax_jpy, f.customs_value_jpy,
                                        None if p is None else round(p * f.duty_tax_jpy)))
    rows.sort(key=lambda r: (r.priority_jpy is None, -(r.priority_jpy or 0), -(r.score or 0.0), -r.duty_tax_jpy,
                             r.declared_on, r.declaration_id))
    return [replace(r, rank=n) for n, r in enumerate(rows, start=1)]
