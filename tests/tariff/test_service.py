"""Tariff schedule loading and lookup (database)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from smartcustoms.errors import ValidationFailed
from smartcustoms.tariff import service

CSV = """hs_code,duty_rate,valid_from,valid_to,source,specific_jpy,specific_unit
851830,0.05,2020-01-01,2025-12-31,old schedule,,
851830,0.04,2026-01-01,,new schedule,,
851830100,0.02,2026-01-01,,statistical code row,,
220421,,2020-01-01,,wine,125,LTR
"""


def load(session: Session, tmp_path: Path, text: str = CSV) -> None:
    p = tmp_path / "tariff.csv"
    p.write_text(text, encoding="utf-8")
    service.load_tariff(session, service.parse_tariff_csv(p))


def test_longest_code_and_date_win(session: Session, tmp_path: Path) -> None:
    load(session, tmp_path)
    on = date(2026, 6, 1)
    assert service.rate_for(session, "851830", on)[0].ad_valorem == Decimal("0.04")  # type: ignore[index]
    assert service.rate_for(session, "851830100", on)[0].ad_valorem == Decimal("0.02")  # type: ignore[index]
    assert service.rate_for(session, "851830900", on)[0].ad_valorem == Decimal("0.04")  # type: ignore[index]
    assert service.rate_for(session, "851830", date(2024, 1, 1))[0].ad_valorem == Decimal("0.05")  # type: ignore[index]
    assert service.rate_for(session, "851830", date(2019, 1, 1)) is None
    wine = service.rate_for(session, "220421", on)
    assert wine is not None and wine[0].specific_jpy == Decimal("125") and wine[0].specific_unit == "LTR"
    both = service.rates_for(session, ["851830100", "851830", "847130"], on)
    assert set(both.rates) == {"851830100", "851830"} and not both.problems


def test_bad_rows_refuse_the_file(tmp_path: Path) -> None:
    p = tmp_path / "bad.csv"
    p.write_text("hs_code,duty_rate,valid_from,valid_to,source\n999999,0.1,2020-01-01,,x\n851830,abc,2020-01-01,,x\n"
                 "851830,,2020-01-01,,x\n851830,0.1,2020-01-01,2019-01-01,x\n")
    with pytest.raises(ValidationFailed) as exc:
        service.parse_tariff_csv(p)
    assert [e.field for e in exc.value.errors] == ["row 2", "row 3", "row 4", "row 5"]
    p.write_text("hs_code,duty_rate,valid_from,valid_to,source,specific_jpy,specific_unit\n"
                 "85183,12.5,2020-13-01,2019-01-01,,-3,GAL\n")
    with pytest.raises(ValidationFailed) as exc:
        service.parse_tariff_csv(p)
    named = [(e.field, e.reason.split(":")[0]) for e in exc.value.errors]
    assert named == [("row 2", c) for c in ("hs_code", "duty_rate", "specific_jpy/specific_unit", "valid_from",
                                              "source")]  # every problem of the row at once, not the first only
    assert "'2020-13-01'" in exc.value.errors[3].reason


NINE_ONLY = """hs_code,duty_rate,valid_from,valid_to,source
851830000,0.14,2020-01-01,,schedule
610910010,0.109,2020-01-01,,schedule
610910090,0.074,2020-01-01,,schedule
847130010,0,2020-01-01,,schedule
847130090,0,2020-01-01,,schedule
"""


def test_schedule_kept_at_nine_digits(session: Session, tmp_path: Path) -> None:
    load(session, tmp_path, NINE_ONLY)
    on = date(2026, 6, 1)
    found = service.rates_for(session, ["851830", "851830000", "851830900", "610910", "610910010", "847130",
                                        "020110"], on)
    # A 6-digit code finds the one 9-digit row under it; it is not left to the declarant's claim.
    assert found.get("851830")[0].ad_valorem == Decimal("0.14")  # type: ignore[index]
    assert found.get("851830000")[0].ad_valorem == Decimal("0.14")  # type: ignore[index]
    # Unlisted 9-digit code where the subheading has listed ones: refused, naming the known codes.
    assert "851830000" in found.problems["851830900"]
    # Different rates below a 6-digit code: the declarant must say which.
    assert "610910010" in found.problems["610910"]
    assert found.get("610910010")[0].ad_valorem == Decimal("0.109")  # type: ignore[index]
    # Same rate below it: no ambiguity.
    assert found.get("847130")[0].ad_valorem == Decimal("0")  # type: ignore[index]
    # Nothing in the schedule: no rate, no problem (the claimed rate is used and checked by rules).
    assert found.get("020110") is None and "020110" not in found.problems
