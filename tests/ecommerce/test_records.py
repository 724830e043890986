"""Checking one record: every problem named by field path and reason, a good record read exactly."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import orjson
import pytest

from smartcustoms.ecommerce.records import check_record
from tests.ecommerce.conftest import consignment, goods


def _codes(obj: Any) -> dict[str, str]:
    rec, problems = check_record(obj, 1, 100)
    assert rec is None
    return {p["field"]: p["code"] for p in problems}


def test_a_good_record_is_read_with_decimals_and_normalised_codes() -> None:
    rec, problems = check_record(consignment("A1", goods=[goods("12.5", "usd", hs="3926.90", unit="pce")]), 7, 100)
    assert problems == [] and rec is not None
    assert rec.line_no == 7 and rec.parcel_id == "A1" and rec.seller_country == "CN"
    g = rec.goods[0]
    assert (g.value, g.currency, g.hs_code, g.unit, g.quantity) == (Decimal("12.5"), "USD", "392690", "PCE", Decimal(1))


@pytest.mark.parametrize(("change", "field", "code"), [
    ({"parcel_id": ""}, "parcel_id", "missing"),
    ({"parcel_id": "x" * 65}, "parcel_id", "too_long"),
    # A 22-digit tracking number written as a JSON number: orjson reads it as a float (9.400111899223345e+21).
    ({"parcel_id": orjson.loads(b"9400111899223344556677")}, "parcel_id", "wrong_type"),
    ({"seller": {"id": 1.5, "name": "Yiwu", "country": "CN"}}, "seller.id", "wrong_type"),
    ({"seller": "Yiwu"}, "seller", "missing"),
    ({"consignee": {"name": "Sato"}}, "consignee.address", "missing"),
    ({"goods": []}, "goods", "missing"),
    ({"goods": [goods("-1")]}, "goods[0].value", "negative"),
    ({"goods": [goods("abc")]}, "goods[0].value", "not_a_number"),
    ({"goods": [goods("1_000")]}, "goods[0].value", "not_a_number"),
    ({"goods": [goods("\u0661\u0662\u0663")]}, "goods[0].value", "not_a_number"),  # Arabic-Indic 123
    ({"goods": [goods("\uff15\uff10")]}, "goods[0].value", "not_a_number"),  # full-width 50
    ({"goods": [goods("10", quantity="\uff12")]}, "goods[0].quantity", "not_a_number"),
    ({"goods": [goods("1e400")]}, "goods[0].value", "absurd"),
    ({"goods": [goods("10", "XYZ")]}, "goods[0].currency", "unknown_currency"),
    ({"goods": [goods("10.5", "JPY")]}, "goods[0].value", "too_precise"),
    ({"goods": [goods("10", hs="999999")]}, "goods[0].hs_code", "unknown_hs_code"),
    ({"goods": [goods("10", quantity=0)]}, "goods[0].quantity", "not_positive"),
    ({"goods": [goods("10", quantity="1e-310")]}, "goods[0].quantity", "too_small"),
    ({"goods": [goods("10", quantity="0.0009")]}, "goods[0].quantity", "too_small"),
    ({"goods": [{**goods("10"), "value": True}]}, "goods[0].value", "wrong_type"),
    ({"personal_use": "perhaps"}, "personal_use", "wrong_type"),
    ({"platform": "Temu\x00"}, "platform", "control_characters"),
])
def test_each_problem_names_field_and_reason(change: dict[str, Any], field: str, code: str) -> None:
    assert _codes(consignment("B1", **change)).get(field) == code


def test_trailing_zeros_of_a_currency_without_decimals_are_taken() -> None:
    for text in ("1500.00", "1500.0", "1.5e3"):
        rec, problems = check_record(consignment("Z1", goods=[goods(text, "JPY")]), 1, 100)
        assert problems == [] and rec is not None and rec.goods[0].value == Decimal(1500), text
    assert _codes(consignment("Z2", goods=[goods("1500.50", "JPY")])) == {"goods[0].value": "too_precise"}
    assert _codes(consignment("Z3", goods=[goods("12.345", "USD")])) == {"goods[0].value": "too_precise"}
    # Past Decimal's 28 digits: normalize() rounded the last decimal away.
    assert _codes(consignment("Z5", goods=[goods("100.00000000000000000000000001", "JPY")])) == {
        "goods[0].value": "too_precise"}
    assert _codes(consignment("Z6", goods=[goods("10.000000000000000000000000001", "USD")])) == {
        "goods[0].value": "too_precise"}
    rec, _ = check_record(consignment("Z4", goods=[goods("12.340", "USD")]), 1, 100)
    assert rec is not None


def test_a_whole_number_id_is_kept_as_its_digits() -> None:
    big = orjson.loads(b"18446744073709551615")  # within orjson's integers: exact
    rec, problems = check_record(consignment("x", goods=[goods("10")]) | {"parcel_id": big}, 1, 100)
    assert problems == [] and rec is not None and rec.parcel_id == "18446744073709551615"


def test_the_smallest_quantity_taken_is_a_thousandth() -> None:
    rec, problems = check_record(consignment("Q1", goods=[goods("10", quantity="0.001", unit="KGM")]), 1, 100)
    assert problems == [] and rec is not None and rec.goods[0].quantity == Decimal("0.001")
    _, problems = check_record(consignment("Q2", goods=[goods("10", quantity=1e-310)]), 1, 100)
    assert [(p["field"], p["code"]) for p in problems] == [("goods[0].quantity", "too_small")]
    assert "0.001" in problems[0]["reason"]


def test_japanese_and_no_break_spaces_are_accepted_in_text_fields() -> None:
    """The ideographic space (U+3000) separates family and given names and parts of Japanese addresses; it was
    refused as a control character."""
    rec, problems = check_record(consignment(
        "B2", consignee={"name": "佐藤\u3000結衣", "address": "東京都世田谷区\u3000１－２－３", "id": None},
        seller={"id": "S-1", "name": "Yiwu\u00a0Direct", "country": "CN"},
        goods=[{**goods("10"), "description": "スマホ\u3000ケース"}]), 1, 100)
    assert problems == [] and rec is not None
    assert rec.consignee_name == "佐藤\u3000結衣" and rec.goods[0].description == "スマホ\u3000ケース"
    _, problems = check_record(consignment("B3", platform="Temu\u202e"), 1, 100)
    assert [(p["field"], p["code"]) for p in problems] == [("platform", "control_characters")]


def test_all_problems_of_a_row_are_reported_together() -> None:
    got = _codes(consignment("", goods=[goods("-5", "ABC"), goods("10", hs="12")]))
    assert {"parcel_id", "goods[0].value", "goods[0].currency", "goods[1].hs_code"} <= set(got)


def test_not_an_object() -> None:
    assert _codes([1, 2]) == {"line": "wrong_type"}


_ODD_VALUES: list[Any] = [None, "", " ", " x", "x ", "a\x00b", 0, 1, True, False, 1.5, float("nan"), "-1", "0", "1e3",
                          "1_000", "\uff15\uff10", "+2", ".5", "5.", "NaN", "-0", "1e9999999999999999999999999",
                          "1e-9999999999999999999999999", "0.0009", "0.001", "1e-310", "1500.00", "10.50",
                          "12.345", "zz", "cn", "usd", "jp", 12, "1.5 ", "JPY", "9999999999999", "3926.90", "PCE",
                          "kgm", "LONGUNIT", "x" * 65, "x" * 401, [], {}, "true", "no"]


def _paths(obj: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    items = obj.items() if isinstance(obj, dict) else enumerate(obj) if isinstance(obj, list) else []
    for k, v in items:
        out.append((*prefix, k))
        out.extend(_paths(v, (*prefix, k)))
    return out


def _set(obj: Any, path: tuple[Any, ...], value: Any) -> Any:
    out = orjson.loads(orjson.dumps(obj))
    target = out
    for k in path[:-1]:
        target = target[k]
    target[path[-1]] = value
    return out


def test_the_one_pass_check_agrees_with_the_full_checks_on_generated_and_broken_records() -> None:
    """check_record (one pass for clean records, else the full checks) gives what the full checks give."""
    from smartcustoms.ecommerce.generate import jsonl_lines
    from smartcustoms.ecommerce.records import check_record_fully

    fast_hits = 0
    for n, line in enumerate(jsonl_lines(30, 3)):
        obj = orjson.loads(line)
        # Every field of the record, one at a time, given every odd value.
        variants = [obj] + [_set(obj, path, odd) for path in _paths(obj) for odd in _ODD_VALUES]
        for v in variants:
            assert check_record(v, n, 3) == check_record_fully(v, n, 3), v
        fast_hits += check_record(obj, n, 3)[0] is not None
    assert fast_hits > 20  # the generated records are clean: the comparison covered the one-pass reading
