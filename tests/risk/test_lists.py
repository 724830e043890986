"""Pure officer lists: audit ranking, undervaluation bands, inspection ranking, CSV export."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smartcustoms.risk import csvout, lists
from smartcustoms.risk.lists import AuditCandidate, DeclarationFacts, LineValue

D = date(2026, 3, 10)
OPEN = ("under_review", "awaiting_inspection", "held")


def fact(n: int, importer: str = "IMP-A", *, status: str = "released", duty: int = 10_000, score: float | None = None,
         result: str | None = None, recovered: int = 0, on: date = D) -> DeclarationFacts:
    return DeclarationFacts(f"d{n:03d}", importer, f"{importer} K.K.", on, status, 2, duty * 10, duty, score,
                            result, recovered)


def line(decl: str, value: int, mass: str = "10", *, hs6: str = "851830", origin: str = "CN", on: date = D,
         line_no: int = 1, quantity: str = "1") -> LineValue:
    return LineValue(decl, line_no, on, "IMP-A", "A K.K.", hs6, origin, "headphones", value, Decimal(mass),
                     Decimal(quantity), "PCE")


# --- audit candidates --------------------------------------------------------------------------------------


def test_audit_ranks_by_expected_recoverable_duty() -> None:
    facts = [
        fact(1, "IMP-A", duty=100_000, score=0.1),           # 10,000 expected
        fact(2, "IMP-B", duty=50_000, score=0.8),            # 40,000 expected
        fact(3, "IMP-B", duty=10_000, score=0.5, status="under_review"),  # open: not post-clearance business
        fact(4, "IMP-C", duty=0, result="discrepancy", recovered=25_000),  # recovered history counts
    ]
    rows = lists.audit_candidates(facts)
    assert [r.importer_code for r in rows] == ["IMP-B", "IMP-C", "IMP-A"]
    assert [r.rank for r in rows] == [1, 2, 3]
    b = rows[0]
    assert (b.expected_recoverable_jpy, b.at_stake_jpy) == (40_000, 50_000)
    assert (b.declarations, b.released, b.scored) == (2, 1, 2)
    c = rows[1]
    assert (c.inspections, c.discrepancies, c.discrepancy_rate, c.recovered_duty_jpy) == (1, 1, 1.0, 25_000)
    assert rows[2].discrepancy_rate is None


def test_audit_without_scores_uses_shrunk_discrepancy_rate() -> None:
    facts = [fact(1, "IMP-A", duty=0, status="inspected", result="discrepancy"),
             fact(2, "IMP-A", duty=100_000),
             fact(3, "IMP-B", duty=0, status="inspected", result="no_discrepancy"),
             fact(4, "IMP-B", duty=100_000)]
    rows = {r.importer_code: r for r in lists.audit_candidates(facts)}
    # overall rate 0.5; A: (1 + 5×0.5) / (1 + 5) = 0.583, B: (0 + 2.5) / 6 = 0.417
    assert rows["IMP-A"].expected_recoverable_jpy == round(100_000 * 3.5 / 6)
    assert rows["IMP-B"].expected_recoverable_jpy == round(100_000 * 2.5 / 6)
    assert rows["IMP-A"].rank == 1


def test_audit_last_declaration_and_name() -> None:
    rows = lists.audit_candidates([fact(1, on=date(2026, 1, 5)), fact(2, on=date(2026, 2, 7))])
    assert rows[0].last_declared_on == date(2026, 2, 7) and rows[0].importer_name == "IMP-A K.K."


# --- undervaluation ----------------------------------------------------------------------------------------


def reference(n: int, base: int = 10_000) -> list[LineValue]:
    # unit values 950..1,050 yen/kg from n other declarations
    return [line(f"r{i}", base + (i % 5 - 2) * 250) for i in range(n)]


def test_line_far_below_the_band_is_flagged() -> None:
    lines = [*reference(8), line("low", 2_000), line("fair", 9_800)]
    signals = lists.undervaluation_signals(lines, D, D)
    assert [s.declaration_id for s in signals] == ["low"]
    s = signals[0]
    assert s.basis == "kg" and s.unit_value_jpy == pytest.approx(200.0)
    assert s.reference_lines == 9  # the eight reference lines and the fair one, never its own
    assert s.reference_median_jpy == pytest.approx(980.0)  # 950 950 975 975 [980] 1000 1000 1025 1050
    assert s.ratio_to_median == pytest.approx(200 / 980)
    assert s.robust_z < -3 and s.band_lower_jpy > s.unit_value_jpy


def test_no_verdict_below_the_minimum_sample() -> None:
    assert lists.undervaluation_signals([*reference(4), line("low", 100)], D, D, min_reference=5) == []
    assert len(lists.undervaluation_signals([*reference(5), line("low", 100)], D, D, min_reference=5)) == 1


def test_own_declaration_is_not_its_own_reference() -> None:
    # many low lines in one declaration cannot pull the band down to themselves
    own = [line("low", 1_000, line_no=n) for n in range(1, 11)]
    signals = lists.undervaluation_signals([*reference(6), *own], D, D)
    assert {s.declaration_id for s in signals} == {"low"} and len(signals) == 10
    assert all(s.reference_lines == 6 for s in signals)


def test_only_lines_in_the_period_are_judged_but_older_ones_are_reference() -> None:
    old = [replace(ln, declared_on=date(2025, 6, 1)) for ln in reference(8)]
    old_low = line("old-low", 100, on=date(2025, 6, 1))
    signals = lists.undervaluation_signals([*old, old_low, line("low", 2_000)], D, D)
    assert [s.declaration_id for s in signals] == ["low"]


def test_groups_are_by_hs6_origin_and_basis() -> None:
    lines = [*reference(8), line("other-origin", 2_000, origin="VN"), line("per-piece", 2_000, mass="0", quantity="4")]
    assert lists.undervaluation_signals(lines, D, D) == []
    assert lists.unit_value(line("x", 2_000, mass="0", quantity="4")) == ("PCE", 500.0)
    assert lists.unit_value(line("x", 0)) is None


def test_identical_reference_prices_do_not_flag_small_differences() -> None:
    same = [line(f"r{i}", 10_000) for i in range(8)]
    assert lists.undervaluation_signals([*same, line("cheaper", 9_500)], D, D) == []
    assert len(lists.undervaluation_signals([*same, line("cheap", 5_000)], D, D)) == 1


@settings(max_examples=60, deadline=None)
@given(values=st.lists(st.integers(1_000, 50_000), min_size=6, max_size=30), factor=st.integers(2, 50))
def test_signals_do_not_depend_on_the_currency_scale(values: list[int], factor: int) -> None:
    lines = [line(f"d{i}", v) for i, v in enumerate(values)] + [line("low", 10)]
    scaled = [replace(ln, value_jpy=ln.value_jpy * factor) for ln in lines]
    a = lists.undervaluation_signals(lines, D, D)
    b = lists.undervaluation_signals(scaled, D, D)
    assert [(s.declaration_id, s.line_no) for s in a] == [(s.declaration_id, s.line_no) for s in b]
    assert all(x.robust_z == pytest.approx(y.robust_z) for x, y in zip(a, b, strict=True))
    assert all(s.robust_z < -3 and s.unit_value_jpy < s.band_lower_jpy for s in a)


# --- inspection candidates ---------------------------------------------------------------------------------


def test_inspection_candidates_open_only_ranked_by_priority() -> None:
    facts = [fact(1, status="released", score=0.9, duty=1_000_000),
             fact(2, status="under_review", score=0.2, duty=100_000),   # 20,000
             fact(3, status="awaiting_inspection", score=0.9, duty=50_000),  # 45,000
             fact(4, status="held", score=None, duty=900_000),
             fact(5, status="rejected", score=1.0, duty=10)]
    rows = lists.inspection_candidates(facts, OPEN)
    assert [r.declaration_id for r in rows] == ["d003", "d002", "d004"]
    assert [r.priority_jpy for r in rows] == [45_000, 20_000, None]
    assert rows[0].rank == 1 and rows[2].score is None


# --- CSV ---------------------------------------------------------------------------------------------------


def test_csv_round_trip() -> None:
    rows = lists.audit_candidates([fact(1, "IMP-A", duty=100_000, score=0.25),
                                   fact(2, "=HYPERLINK(\"x\")", duty=1_000, score=0.5)])
    data = csvout.to_bytes(AuditCandidate, rows)
    assert data.startswith("\ufeff".encode())
    read = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert list(read[0]) == csvout.header_of(AuditCandidate)
    assert read[0]["importer_code"] == "IMP-A" and read[0]["last_declared_on"] == "2026-03-10"
    assert int(read[0]["expected_recoverable_jpy"]) == rows[0].expected_recoverable_jpy
    assert read[0]["discrepancy_rate"] == ""
    # a trader-supplied name is never run as a spreadsheet formula
    assert read[1]["importer_code"].startswith("'=")


def test_csv_cells() -> None:
    assert csvout.cell(None) == "" and csvout.cell(True) == "true" and csvout.cell(-5) == "-5"
    assert csvout.cell(0.123456789) == "0.123457" and csvout.cell(float("nan")) == ""
    assert csvout.cell(Decimal("1.50")) == "1.50" and csvout.cell("-x") == "'-x"
    assert csvout.cell("東京商事") == "東京商事"
