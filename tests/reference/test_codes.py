"""Shipped code lists."""

from __future__ import annotations

import csv

from smartcustoms.reference import codes
from tests.conftest import shared_data


def test_hs_six_and_nine_digits() -> None:
    assert codes.hs_problem("851830") is None
    assert codes.hs_problem("8518.30") is None
    assert codes.hs_problem("851830000") is None  # Japan statistical code
    assert codes.hs_problem("999999") is not None
    assert codes.hs_problem("8518") is not None
    assert codes.hs_problem("85183000") is not None  # 8 digits is neither
    assert codes.hs_problem("85183A") is not None


def test_every_hs2022_subheading_in_the_source_is_accepted() -> None:
    with shared_data("hs", "harmonized-system-hs2022.csv").open(encoding="utf-8-sig") as f:
        subheadings = [r["hscode"] for r in csv.DictReader(f) if r["level"] == "6" and r["section"] != "TOTAL"]
    assert len(subheadings) > 5000
    assert all(codes.hs_problem(c) is None for c in subheadings)
    # HS 2022 created 8524 (flat-panel display modules); HS 2017 did not have it.
    assert codes.hs_problem("852411") is None


def test_countries_and_currencies() -> None:
    assert codes.is_country("JP") and codes.is_country("NA") and not codes.is_country("XX")
    assert codes.is_currency("USD") and codes.is_currency("JPY") and not codes.is_currency("ABC")
    assert codes.currency_minor_unit("JPY") == 0
    assert codes.currency_minor_unit("USD") == 2
    assert codes.currency_minor_unit("KWD") == 3
