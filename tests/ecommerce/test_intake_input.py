"""What the intake answers to odd input end to end: a key given twice, and CSV rejections placed in the file."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import Engine

from smartcustoms.ecommerce import parse
from tests.ecommerce.conftest import consignment, goods
from tests.ecommerce.test_pipeline import jl, run


def test_a_value_given_twice_is_rejected_and_the_good_lines_stay(ec_engine: Engine, submitter: Any) -> None:
    line = orjson.dumps(consignment("DK-1", goods=[goods("25000", "JPY")])).replace(
        b'"value":"25000"', b'"value":"25000","value":"100"')
    results, _ = run(ec_engine, submitter, [line + b"\n", *jl(consignment("DK-2"))])
    assert [r["result"] for r in results] == ["rejected", "accepted"]
    assert (results[0]["parcel_id"], results[0]["errors"][0]["field"], results[0]["errors"][0]["code"]) == (
        "DK-1", "goods[0].value", "duplicate_key")


def test_a_csv_rejection_names_the_row_and_column_beside_the_field(ec_engine: Engine, submitter: Any) -> None:
    """The probe's case: a bad value on physical line 4 (the parcel's second row) was reported as goods[1].value
    at line 3 only; a CSV submitter could not map it to its row."""
    head = (b"parcel_id,platform,seller_id,seller_name,seller_country,consignee_name,consignee_address,"
            b"delivery_place,description,currency,value\n")
    body = (head + b"CP-1,Temu,S-1,Shop,CN,Sato Yui,1-2-3 Chiyoda,Tokyo,scarf,CNY,30.00\n"
            + b"\n"  # a blank line between the rows: lines are the file's
            + b"CP-1,,,,,,,,cup,CNY,abc\n"
            + b"CP-2,Temu,S-1,Shop,XX,Sato Yui,1-2-3 Chiyoda,Tokyo,scarf,CNY,30.00\n")
    results, _ = run(ec_engine, submitter, [body], "csv")
    assert [(r["line"], r["result"]) for r in results] == [(2, "rejected"), (5, "rejected")]
    bad_value = results[0]["errors"][0]
    assert (bad_value["field"], bad_value["csv_line"], bad_value["column"]) == ("goods[1].value", 4, "value")
    country = results[1]["errors"][0]
    assert (country["field"], country["csv_line"], country["column"]) == ("seller.country", 5, "seller_country")
    jsonl, _ = run(ec_engine, submitter, jl(consignment("CP-3", goods=[goods("abc")])))
    assert "csv_line" not in jsonl[0]["errors"][0] and "column" not in jsonl[0]["errors"][0]


def test_csv_places_of_each_kind_of_field() -> None:
    problems = [{"field": "goods[2].hs_code", "reason": "r", "code": "c"}, {"field": "goods[9].value", "reason": "r",
                "code": "c"}, {"field": "goods", "reason": "r", "code": "c"}, {"field": "consignee.id", "reason": "r",
                "code": "c"}]
    placed = parse.csv_places(problems, (7, 8, 10))
    assert [(p.get("csv_line"), p.get("column")) for p in placed] == [(10, "hs_code"), (7, None), (7, None),
                                                                      (7, "consignee_id")]
    assert problems[0].get("csv_line") is None  # the problems given are left as they are
