"""Read the facts behind the officer risk lists from the platform database (the caller owns the transaction)."""

from __future__ import annotations

import math
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcustoms.declarations import lifecycle
from smartcustoms.declarations.models import DeclarationLine, ImportDeclaration
from smartcustoms.risk import lists
from smartcustoms.risk.lists import AuditCandidate, DeclarationFacts, InspectionCandidate, LineValue

REFERENCE_DAYS = 365  # a year of other declarations makes the reference band for a period's lines

# The risk column and recovered duty arrive with the model registry; lists still work on a database without them.
_RISK = getattr(ImportDeclaration, "risk", None)


def _score(risk: Any) -> float | None:
    if not isinstance(risk, dict):
        return None
    value = risk.get("score")
    try:
        score = float(value) if value is not None and not isinstance(value, bool) else None
    except (TypeError, ValueError):
        return None
    return score if score is not None and math.isfinite(score) else None


def _recovered(inspection: Any) -> int:
    value = inspection.get("recovered_duty_jpy") if isinstance(inspection, dict) else None
    try:
        return max(0, int(value)) if value is not None and not isinstance(value, bool) else 0
    except (TypeError, ValueError):
        return 0


def _result(inspection: Any) -> str | None:
    result = inspection.get("result") if isinstance(inspection, dict) else None
    return result if result in lifecycle.INSPECTION_RESULTS else None


def declaration_facts(session: Session, start: date, end: date) -> list[DeclarationFacts]:
    """Every import declaration declared in [start, end], as the lists see it."""
    d = ImportDeclaration
    cols = [d.id, d.importer_code, d.importer_name, d.declared_on, d.status, d.lane, d.customs_value_jpy,
            d.total_jpy, d.inspection]
    if _RISK is not None:
        cols.append(_RISK)
    rows = session.execute(select(*cols).where(d.declared_on >= start, d.declared_on <= end)
                           .order_by(d.declared_on, d.id))
    return [
        DeclarationFacts(r[0], r[1], r[2], r[3], r[4], int(r[5]), int(r[6]), int(r[7]),
                         _score(r[9]) if _RISK is not None else None, _result(r[8]), _recovered(r[8]))
        for r in rows
    ]


def _value_jpy(assessment: Any, line_no: int) -> int | None:
    # The yen value is the assessed one (converted at the customs weekly rate), not the invoice figure.
    for al in (assessment or {}).get("lines", []) if isinstance(assessment, dict) else []:
        if isinstance(al, dict) and al.get("line_no") == line_no and isinstance(al.get("value_jpy"), int):
            return int(al["value_jpy"])
    return None


def line_values(session: Session, start: date, end: date) -> list[LineValue]:
    """Declared lines in [start, end] with their yen value; rejected declarations left out of the reference."""
    d, ln = ImportDeclaration, DeclarationLine
    rows = session.execute(
        select(d.id, d.declared_on, d.importer_code, d.importer_name, d.assessment, ln.line_no, ln.hs_code,
               ln.origin_country, ln.description, ln.net_mass_kg, ln.quantity, ln.unit)
        .join(ln, ln.declaration_id == d.id)
        .where(d.declared_on >= start, d.declared_on <= end, d.status != lifecycle.REJECTED)
        .order_by(d.declared_on, d.id, ln.line_no)
    )
    out = []
    for r in rows:
        value = _value_jpy(r[4], r[5])
        if value is None:
            continue
        out.append(LineValue(r[0], r[5], r[1], r[2], r[3], r[6][:6], r[7], r[8], value,
                             Decimal(r[9]), Decimal(r[10]), r[11]))
    return out


def audit_candidates(session: Session, start: date, end: date) -> list[AuditCandidate]:
    """Importers ranked by expected recoverable duty over declarations declared in [start, end]."""
    return lists.audit_candidates(declaration_facts(session, start, end), lifecycle.RELEASED)


def undervaluation_signals(
    session: Session, start: date, end: date, *, reference_days: int = REFERENCE_DAYS, min_reference: int = 5,
    z_threshold: float = 3.0,
) -> list[lists.UndervaluationSignal]:
    """Lines declared in [start, end] far below the band of other declarations of the same HS6 and origin."""
    window = line_values(session, start - timedelta(days=reference_days), end)
    return lists.undervaluation_signals(window, start, end, min_reference=min_reference, z_threshold=z_threshold)


def inspection_candidates(session: Session, start: date, end: date) -> list[InspectionCandidate]:
    """Open declarations declared in [start, end], ranked by score × duty and tax at stake."""
    return lists.inspection_candidates(declaration_facts(session, start, end), lifecycle.AWAITING_OFFICER)
