"""Officer lists from declarations lodged, scored and inspected in the real database."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from smartcustoms.declarations import service
from smartcustoms.declarations.models import ImportDeclaration
from smartcustoms.identity.models import Trader
from smartcustoms.risk import lists_service
from tests.console.helpers import add_profiles, body, line, lodge
from tests.payments.helpers import pay_declaration

DAY = date(2026, 2, 16)
START, END = DAY - timedelta(days=30), DAY


def importer(code: str) -> dict[str, Any]:
    return {"importer": {"code": code, "name": f"{code} Trading K.K.", "country": "JP"}}


def lodged(session: Session, trader: Trader, *lines: dict[str, Any], code: str = "IMP-A", on: date = DAY,
           score: float | None = None) -> ImportDeclaration:
    d = lodge(session, trader, body(*lines, **importer(code)))
    _paid_if_due(session, d)
    d.declared_on = on
    if score is not None:
        d.risk = {"status": "scored", "score": score, "percentile": 90.0, "model_version": "test-1"}
    session.flush()
    return d


def inspect(session: Session, d: ImportDeclaration, result: str, recovered: int | None = None) -> None:
    service.decide(session, d.id, action="record_inspection", reason="examined at the counter", officer="obata",
                   role="officer", inspection_result=result,
                   **({"recovered_duty_jpy": recovered} if recovered is not None else {}))
    service.decide(session, d.id, action="release", reason="duty paid", officer="obata", role="officer")
    _paid_if_due(session, d)


def _paid_if_due(session: Session, d: ImportDeclaration) -> None:
    """Permitted with duty due, a declaration waits for payment: the agent's callback releases it."""
    if d.status == "awaiting_payment":
        pay_declaration(session, d.id)


@pytest.fixture()
def trader(session: Session, make_trader: Callable[..., tuple[Trader, str]]) -> Trader:
    add_profiles(session)  # HS 93 → lane 3 (inspection), HS 4202 → lane 2 (documents)
    return make_trader("Lists Test Broker")[0]


def test_audit_candidates_from_the_database(session: Session, trader: Trader) -> None:
    lodged(session, trader, line("610910", "400000", "0.109"), code="IMP-A", score=0.5)
    lodged(session, trader, line("610910", "200000", "0.109"), code="IMP-A", score=0.5, on=DAY - timedelta(days=3))
    b = lodged(session, trader, line("930200", "300000", "0.03"), code="IMP-B")
    inspect(session, b, "discrepancy", recovered=250_000)
    lodged(session, trader, line("610910", "900000", "0.109"), code="IMP-OLD", score=0.9,
           on=START - timedelta(days=1))
    rows = lists_service.audit_candidates(session, START, END)
    by_code = {r.importer_code: r for r in rows}
    assert set(by_code) == {"IMP-A", "IMP-B"}  # the old declaration is outside the period
    a, bb = by_code["IMP-A"], by_code["IMP-B"]
    assert (a.declarations, a.released, a.scored, a.inspections, a.last_declared_on) == (2, 2, 2, 0, DAY)
    assert a.importer_name == "IMP-A Trading K.K."
    assert a.at_stake_jpy > 0 and a.expected_recoverable_jpy == round(0.5 * a.at_stake_jpy)
    assert (bb.inspections, bb.discrepancies, bb.discrepancy_rate, bb.recovered_duty_jpy) == (1, 1, 1.0, 250_000)
    assert bb.expected_recoverable_jpy >= 250_000
    assert [r.rank for r in rows] == [1, 2] and rows[0].importer_code == "IMP-B"


def test_audit_candidates_without_scores_or_recovered_duty(session: Session, trader: Trader) -> None:
    d = lodged(session, trader, line("930200", "300000", "0.03"), code="IMP-C")
    inspect(session, d, "no_discrepancy")
    d.risk = None
    d.inspection = {"result": "no_discrepancy", "findings": "", "officer": "obata", "at": "2026-02-16T01:00:00+00:00"}
    session.flush()
    [row] = lists_service.audit_candidates(session, START, END)
    assert (row.scored, row.inspections, row.discrepancies, row.recovered_duty_jpy) == (0, 1, 0, 0)
    assert row.expected_recoverable_jpy == 0


def test_undervaluation_against_other_declarations(session: Session, trader: Trader) -> None:
    for i in range(6):
        lodged(session, trader, line("851830", str(100_000 + i * 1_000), origin_country="CN", net_mass_kg="10"),
               code=f"IMP-R{i}", on=DAY - timedelta(days=100 + i))  # older: reference only
    low = lodged(session, trader, line("610910", "90000"),
                 line("851830", "12000", origin_country="CN", net_mass_kg="10", description="Headphones"),
                 code="IMP-LOW")
    lodged(session, trader, line("851830", "12000", origin_country="VN", net_mass_kg="10"), code="IMP-VN")
    rejected = lodged(session, trader, line("851830", "1000", origin_country="CN", net_mass_kg="10"), code="IMP-X")
    rejected.status = "rejected"
    session.flush()
    [signal] = lists_service.undervaluation_signals(session, START, END)
    assert (signal.declaration_id, signal.line_no, signal.hs6, signal.origin_country) == (low.id, 2, "851830", "CN")
    assert signal.basis == "kg" and signal.unit_value_jpy == pytest.approx(1_200)
    assert signal.reference_lines == 6 and signal.reference_median_jpy == pytest.approx(10_250, rel=1e-4)
    assert signal.ratio_to_median < 0.2 and signal.value_jpy == 12_000 and signal.importer_code == "IMP-LOW"
    # too few reference lines: no verdict at all
    assert lists_service.undervaluation_signals(session, START, END, min_reference=7) == []
    # a reference window too short to reach the older declarations: no verdict either
    assert lists_service.undervaluation_signals(session, START, END, reference_days=10) == []


def test_inspection_candidates_open_declarations(session: Session, trader: Trader) -> None:
    lane3 = lodged(session, trader, line("930200", "300000", "0.03"), code="IMP-A", score=0.9)
    lane2 = lodged(session, trader, line("420221", "480000", "0.16"), code="IMP-B", score=0.2)
    unscored = lodged(session, trader, line("420221", "100000", "0.16"), code="IMP-C")
    released = lodged(session, trader, line("610910", "90000"), code="IMP-D", score=1.0)
    assert released.status == "released" and lane3.status == "awaiting_inspection"
    rows = lists_service.inspection_candidates(session, START, END)
    assert [r.declaration_id for r in rows] == [lane3.id, lane2.id, unscored.id]
    assert rows[0].lane == 3 and rows[0].status == "awaiting_inspection"
    assert rows[0].priority_jpy == round(0.9 * lane3.total_jpy)
    assert rows[2].score is None and rows[2].priority_jpy is None
