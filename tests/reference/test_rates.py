"""Weekly exchange rates: loading and lookup."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from smartcustoms.errors import ValidationFailed
from smartcustoms.reference import service


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "rates.csv"
    p.write_text(text, encoding="utf-8")
    return p


def test_load_and_lookup(session: Session, tmp_path: Path) -> None:
    rows = service.parse_rates_csv(write(tmp_path, (
        "currency,valid_from,valid_to,rate_jpy,source\n"
        "USD,2026-11-15,2026-11-21,151.23,test\n"
        "USD,2026-11-22,,152.01,test\n"
    )))
    assert rows[1].valid_to == date(2026, 11, 28)
    assert service.load_rates(session, rows) == 2
    assert service.rate_on(session, "USD", date(2026, 11, 21)).rate_jpy == Decimal("151.23")  # type: ignore[union-attr]
    assert service.rate_on(session, "USD", date(2026, 11, 22)).rate_jpy == Decimal("152.01")  # type: ignore[union-attr]
    assert service.rate_on(session, "USD", date(2026, 11, 29)) is None
    assert service.rate_on(session, "EUR", date(2026, 11, 22)) is None
    # Reloading a week replaces it rather than duplicating it.
    service.load_rates(session, service.parse_rates_csv(write(tmp_path, (
        "currency,valid_from,valid_to,rate_jpy,source\nUSD,2026-11-22,,153.5,corrected\n"))))
    assert service.rate_on(session, "USD", date(2026, 11, 24)).rate_jpy == Decimal("153.5")  # type: ignore[union-attr]


def test_all_rates_on_a_date_agree_with_the_rate_of_each_currency(session: Session, tmp_path: Path) -> None:
    service.load_rates(session, service.parse_rates_csv(write(tmp_path, (
        "currency,valid_from,valid_to,rate_jpy,source\n"
        "USD,2026-11-15,2026-11-21,151.23,test\n"
        "USD,2026-11-22,,152.01,test\n"
        "EUR,2026-11-22,,162.25,overlapping week\n"
        "CNY,2026-11-22,,21.04,test\n"))))
    # A two-week row (a file no longer loads one; rows stored before the week check may be like it).
    service.load_rates(session, [service.RateRow("EUR", date(2026, 11, 15), date(2026, 11, 28), Decimal("161.5"),
                                                 "two weeks")])
    for on in (date(2026, 11, 14), date(2026, 11, 15), date(2026, 11, 21), date(2026, 11, 22), date(2026, 11, 28),
               date(2026, 11, 29)):
        each = {c: r.rate_jpy for c in ("USD", "EUR", "CNY") if (r := service.rate_on(session, c, on)) is not None}
        assert service.rates_on(session, on) == each
    # The overlapping later week wins, as rate_on has it.
    assert service.rates_on(session, date(2026, 11, 23))["EUR"] == Decimal("162.25")
    assert service.rates_on(session, date(2026, 11, 14)) == {}


def test_bad_file_refused_whole(tmp_path: Path) -> None:
    with pytest.raises(ValidationFailed) as exc:
        service.parse_rates_csv(write(tmp_path, (
            "currency,valid_from,valid_to,rate_jpy,source\n"
            "USD,2026-11-15,2026-11-21,151.23,ok\n"
            "ABC,2026-11-15,2026-11-21,1,bad currency\n"
            "EUR,2026-11-15,2026-11-21,-3,negative\n")))
    assert [e.field for e in exc.value.errors] == ["row 3", "row 4"]
    with pytest.raises(ValidationFailed):
        service.parse_rates_csv(write(tmp_path, "currency,rate\nUSD,1\n"))


def test_a_row_that_is_not_one_customs_week_is_refused_naming_the_column(tmp_path: Path) -> None:
    """Sunday to Saturday, as Japan Customs publishes the rates: a Wednesday start, a year-long row or a short one
    would keep a rate in force that nobody published for those days."""
    with pytest.raises(ValidationFailed) as exc:
        service.parse_rates_csv(write(tmp_path, (
            "currency,valid_from,valid_to,rate_jpy,source\n"
            "USD,2026-11-15,2026-11-21,151.23,ok\n"
            "USD,2026-11-18,2027-11-18,150,a Wednesday and a year\n"
            "EUR,2026-11-18,,162,a Wednesday\n"
            "CNY,2026-11-15,2026-11-28,21,two weeks\n"
            "KRW,2026-11-15,2026-11-14,0.1,ends before it starts\n")))
    errors = [(e.field, e.reason.split(":")[0]) for e in exc.value.errors]
    assert errors == [("row 3", "valid_from"), ("row 3", "valid_to"), ("row 4", "valid_from"), ("row 5", "valid_to"),
                      ("row 6", "valid_to")]  # every problem of a row, each its own error
    assert "Sunday" in exc.value.errors[0].reason and "2026-11-21" in exc.value.errors[3].reason


def test_every_problem_of_a_row_is_named_at_once(tmp_path: Path) -> None:
    with pytest.raises(ValidationFailed) as exc:
        service.parse_rates_csv(write(tmp_path, (
            "currency,valid_from,valid_to,rate_jpy,source\n"
            "ABC,15/11/2026,,abc,\n")))
    assert [(e.field, e.reason.split(":")[0]) for e in exc.value.errors] == [
        ("row 2", "currency"), ("row 2", "valid_from"), ("row 2", "rate_jpy"), ("row 2", "source")]
    assert "'15/11/2026'" in exc.value.errors[1].reason and "'abc'" in exc.value.errors[2].reason


def test_file_not_utf8_refused_clearly(tmp_path: Path) -> None:
    p = tmp_path / "sjis.csv"
    p.write_bytes("currency,valid_from,valid_to,rate_jpy,source\nUSD,2026-11-15,,150,税関公示\n".encode("shift_jis"))
    with pytest.raises(ValidationFailed) as exc:
        service.parse_rates_csv(p)
    assert exc.value.errors[0].field == "file" and "UTF-8" in exc.value.errors[0].reason
