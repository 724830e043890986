"""Tests for the date-effective rule tables and their CSV validation."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from importlib.resources import files
from pathlib import Path

import pytest

from smartcustoms.tariff.tables import (
    LOW_VALUE_EXEMPTION_MAX,
    SIMPLIFIED_TARIFF_MAX,
    NoEffectiveRule,
    TariffDataError,
    load_tables,
    read_tables,
)

DATA = files("smartcustoms.tariff") / "data"
CSV_FILES = (
    "consumption-tax-rates.csv",
    "low-value-thresholds.csv",
    "valuation-ratios.csv",
    "low-value-excluded-hs.csv",
    "simplified-rates.csv",
    "excise-goods.csv",
    "reduced-ct-goods.csv",
)
TODAY = date(2025, 6, 1)


def copy_data(tmp_path: Path) -> Path:
    for name in CSV_FILES:
        (tmp_path / name).write_text((DATA / name).read_text(encoding="utf-8"), encoding="utf-8")
    return tmp_path


def append_row(directory: Path, name: str, row: str) -> None:
    with (directory / name).open("a", encoding="utf-8") as f:
        f.write(row + "\n")


def test_load_tables_is_cached_and_complete() -> None:
    tables = load_tables()
    assert load_tables() is tables
    assert tables.ct_rates and tables.thresholds and tables.ratios
    assert tables.excluded_goods and tables.simplified_rates


def test_every_row_names_its_source_and_the_readme_ships() -> None:
    t = load_tables()
    for row in (*t.ct_rates, *t.thresholds, *t.ratios, *t.excluded_goods, *t.simplified_rates):
        assert row.source.strip()
        assert isinstance(row.verified, bool)
        assert row.valid_to is None or row.valid_to >= row.valid_from
    assert "provenance" in (DATA / "README.md").read_text(encoding="utf-8").lower()


def test_consumption_tax_changes_on_2019_10_01() -> None:
    t = load_tables()
    before = t.consumption_tax("standard", date(2019, 9, 30))
    assert (before.national_rate, before.local_numerator, before.local_denominator) == (Decimal("0.063"), 17, 63)
    after = t.consumption_tax("standard", date(2019, 10, 1))
    assert (after.national_rate, after.local_numerator, after.local_denominator) == (Decimal("0.078"), 22, 78)
    reduced = t.consumption_tax("reduced", date(2019, 10, 1))
    assert (reduced.kind, reduced.national_rate) == ("reduced", Decimal("0.0624"))


def test_reduced_before_it_existed_is_the_single_standard_rate() -> None:
    rate = load_tables().consumption_tax("reduced", date(2019, 9, 30))
    assert (rate.kind, rate.national_rate) == ("standard", Decimal("0.063"))


def test_date_before_any_row_raises() -> None:
    t = load_tables()
    early = date(2014, 3, 31)
    with pytest.raises(NoEffectiveRule) as err:
        t.consumption_tax("standard", early)
    assert err.value.on == early and "consumption_tax" in err.value.name
    for lookup in (
        lambda: t.consumption_tax("reduced", early),
        lambda: t.threshold(LOW_VALUE_EXEMPTION_MAX, early),
        lambda: t.personal_use_ratio(early),
        lambda: t.excluded("420221", "exemption", early),
        lambda: t.simplified_rate("220421", early),
    ):
        with pytest.raises(NoEffectiveRule):
            lookup()


def test_thresholds_and_ratio() -> None:
    t = load_tables()
    assert t.threshold(LOW_VALUE_EXEMPTION_MAX, TODAY) == 10_000
    assert t.threshold(SIMPLIFIED_TARIFF_MAX, TODAY) == 200_000
    ratio = t.personal_use_ratio(TODAY)
    assert isinstance(ratio, Decimal) and ratio == Decimal("0.6")
    with pytest.raises(NoEffectiveRule):
        t.threshold("no_such_threshold", TODAY)


def test_personal_use_ratio_is_none_once_abolished(tmp_path: Path) -> None:
    d = copy_data(tmp_path)
    text = (d / "valuation-ratios.csv").read_text(encoding="utf-8")
    (d / "valuation-ratios.csv").write_text(text.replace("0.6,2014-04-01,,", "0.6,2014-04-01,2026-03-31,"))
    append_row(d, "valuation-ratios.csv", "personal_use_valuation_ratio,,2026-04-01,,test,false,abolished")
    t = read_tables(d)
    assert t.personal_use_ratio(date(2026, 3, 31)) == Decimal("0.6")
    assert t.personal_use_ratio(date(2026, 4, 1)) is None


@pytest.mark.parametrize(
    ("hs_code", "purpose", "prefix"),
    [
        ("420221", "exemption", "420221"),  # leather handbag
        ("420221", "simplified", "420221"),
        ("420329", "exemption", "4203"),  # leather gloves
        ("611521", "exemption", "611521"),  # tights: the more specific row wins over chapter 61
        ("610910", "simplified", "61"),  # knitted T-shirt
        ("640312", "exemption", "640312"),  # ski boots
        ("640399", "simplified", "6403"),
        ("621600", "exemption", "6216"),
    ],
)
def test_excluded_goods(hs_code: str, purpose: str, prefix: str) -> None:
    row = load_tables().excluded(hs_code, purpose, TODAY)  # type: ignore[arg-type]
    assert row is not None and row.hs_prefix == prefix


@pytest.mark.parametrize(
    ("hs_code", "purpose"),
    [("420222", "exemption"), ("847130", "exemption"), ("4203100", "simplified"), ("621600", "simplified")],
)
def test_not_excluded(hs_code: str, purpose: str) -> None:
    assert load_tables().excluded(hs_code, purpose, TODAY) is None  # type: ignore[arg-type]


def test_simplified_rates() -> None:
    t = load_tables()
    wine = t.simplified_rate("220421", TODAY)
    assert wine is not None and (wine.specific_jpy, wine.specific_unit, wine.ad_valorem) == (Decimal(70), "LTR", None)
    sake = t.simplified_rate("220600", TODAY)
    assert sake is not None and sake.specific_jpy == Decimal(30)
    spirits = t.simplified_rate("220830", TODAY)
    assert spirits is not None and spirits.specific_jpy == Decimal(20)
    green_tea = t.simplified_rate("090210", TODAY)
    assert green_tea is not None and green_tea.ad_valorem == Decimal("0.15")
    trousers = t.simplified_rate("620342", TODAY)
    assert trousers is not None and trousers.ad_valorem == Decimal("0.1")
    sauce = t.simplified_rate("210320", TODAY)
    assert sauce is not None and sauce.ad_valorem == Decimal("0.2")
    # Black tea is carved out of the tea band; soy sauce and knitted goods have no band here.
    for code in ("090230", "090240", "210310", "610910", "847130"):
        assert t.simplified_rate(code, TODAY) is None


def test_longest_prefix_wins(tmp_path: Path) -> None:
    d = copy_data(tmp_path)
    append_row(d, "simplified-rates.csv", "22,2204,0.05,,,beverages,2014-04-01,,test,false")
    append_row(d, "simplified-rates.csv", "220830,,0.07,,,whisky,2014-04-01,,test,false")
    t = read_tables(d)
    whisky = t.simplified_rate("220830", TODAY)
    assert whisky is not None and whisky.ad_valorem == Decimal("0.07")
    gin = t.simplified_rate("220850", TODAY)
    assert gin is not None and gin.hs_prefix == "2208"
    beer = t.simplified_rate("220300", TODAY)
    assert beer is not None and beer.hs_prefix == "22"
    # 2204 is excluded from the chapter row but has a band of its own.
    wine = t.simplified_rate("220410", TODAY)
    assert wine is not None and wine.hs_prefix == "2204"


def test_rows_outside_their_period_are_ignored(tmp_path: Path) -> None:
    d = copy_data(tmp_path)
    append_row(d, "simplified-rates.csv", "8471,,0.03,,,computers,2020-01-01,2020-12-31,test,false")
    t = read_tables(d)
    assert t.simplified_rate("847130", date(2019, 12, 31)) is None
    assert t.simplified_rate("847130", date(2020, 12, 31)) is not None
    assert t.simplified_rate("847130", date(2021, 1, 1)) is None


@pytest.mark.parametrize(
    ("name", "row", "message"),
    [
        ("consumption-tax-rates.csv", "standard,0.1,22,78,2025-01-01,,test,true", "overlapping"),
        ("low-value-thresholds.csv", "low_value_exemption_max_jpy,1e4,2030-01-01,,x,true,", "integer"),
        ("low-value-thresholds.csv", "simplified_tariff_max_jpy,1,2030-01-01,,x,yes,", "verified"),
        ("valuation-ratios.csv", "other_ratio,1.5,2014-04-01,,x,true,", "at most 1"),
        ("low-value-excluded-hs.csv", "42A,bags,both,2014-04-01,,x,false", "HS prefix"),
        ("low-value-excluded-hs.csv", "9999,x,neither,2014-04-01,,x,false", "applies_to"),
        ("simplified-rates.csv", "9999,8888,0.1,,,x,2014-04-01,,x,false", "exclude_prefixes"),
        ("simplified-rates.csv", "9999,,,10,,x,2014-04-01,,x,false", "specific_unit"),
        ("simplified-rates.csv", "9999,,-0.1,,,x,2014-04-01,,x,false", "non-negative"),
        ("simplified-rates.csv", "9999,,0.1,,,x,2014-04-01,2013-01-01,x,false", "valid_from"),
        ("simplified-rates.csv", "9999,,0.1,,,x,2014-04-01,,,false", "source"),
        ("simplified-rates.csv", "9999,,0.1,,,x,2014-04-01", "number of fields"),
        ("excise-goods.csv", "2204,wine,wine,2020-01-01,,x,false", "tax"),
        ("excise-goods.csv", "2204,liquor,wine again,2020-01-01,,x,false", "overlapping"),
    ],
)
def test_bad_data_is_refused(tmp_path: Path, name: str, row: str, message: str) -> None:
    d = copy_data(tmp_path)
    append_row(d, name, row)
    with pytest.raises(TariffDataError, match=message):
        read_tables(d)


def test_every_shipped_table_is_named_here() -> None:
    assert sorted(CSV_FILES) == sorted(p.name for p in DATA.iterdir() if p.name.endswith(".csv"))


def test_food_and_soft_drinks_take_the_reduced_consumption_tax_from_october_2019() -> None:
    t = load_tables()
    assert [t.ct_kind(hs, TODAY) for hs in ("090121", "210690", "220210", "160414")] == ["reduced"] * 4
    assert [t.ct_kind(hs, TODAY) for hs in ("220421", "220300", "392690", "230910")] == ["standard"] * 4
    assert t.ct_kind("090121", date(2019, 9, 30)) == "standard"


def test_excise_goods_by_the_most_specific_prefix_and_date() -> None:
    t = load_tables()
    wine, heated = t.excise("220421", TODAY), t.excise("240411", TODAY)
    assert wine is not None and wine.tax == "liquor" and heated is not None and heated.hs_prefix == "240411"
    assert t.excise("240411", date(2021, 12, 31)) is None  # HS 2022's subheading, from 2022
    assert t.excise("240120", TODAY) is None  # leaf tobacco is not manufactured tobacco
    assert t.excise("392690", TODAY) is None and t.excise("220210", TODAY) is None  # soft drinks


def test_wrong_header_is_refused(tmp_path: Path) -> None:
    d = copy_data(tmp_path)
    text = (d / "low-value-thresholds.csv").read_text(encoding="utf-8")
    (d / "low-value-thresholds.csv").write_text(text.replace("amount_jpy", "amount"), encoding="utf-8")
    with pytest.raises(TariffDataError, match="columns"):
        read_tables(d)
