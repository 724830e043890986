"""A parcel sent again: the same parcel is a repeat with the stored result; the same id with other content is a
conflict, rejected with the field that differs, and the stored consignment stands."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from smartcustoms.ecommerce import parse, resend
from smartcustoms.ecommerce.models import Consignment, Manifest
from tests.ecommerce.conftest import consignment, goods
from tests.ecommerce.test_pipeline import jl, run


def _stored(pid: str, **kw: Any) -> dict[str, Any]:
    """The content columns of a consignment as stored, from a submitted record."""
    rec = consignment(pid, **kw)
    return {"platform": rec["platform"], "seller_id": rec["seller"]["id"], "seller_name": rec["seller"]["name"],
            "seller_country": rec["seller"]["country"], "seller_registration_id": None, "mail_order": 0,
            "consignee_name": rec["consignee"]["name"], "consignee_address": rec["consignee"]["address"],
            "consignee_id": rec["consignee"].get("id"), "delivery_place": rec["delivery_place"],
            "personal_use": 1 if rec.get("personal_use") else 0, "goods": orjson.dumps(rec["goods"]).decode()}


def test_differences_are_named_by_field_path_and_numbers_compare_as_numbers() -> None:
    base = _stored("R1", goods=[goods("50", "CNY")])
    assert resend.differences(dict(base), base) == []
    same = dict(base, goods=orjson.dumps([goods("50.00", "CNY") | {"quantity": "1.0"}]).decode(), mail_order=False)
    assert resend.differences(same, base) == []
    raised = dict(base, goods=orjson.dumps([goods("9999", "CNY")]).decode())
    assert resend.differences(raised, base) == ["goods[0].value"]
    moved = dict(base, consignee_address="9-9-9 Minato Tokyo", personal_use=not base["personal_use"])
    assert resend.differences(moved, base) == ["consignee.address", "personal_use"]
    more = dict(base, goods=orjson.dumps([goods("50", "CNY"), goods("1", "CNY")]).decode())
    assert resend.differences(more, base) == ["goods"]
    p = resend.conflict("R1", "M1-1", ["goods[0].value", "consignee.address"])
    assert p["field"] == "goods[0].value" and p["code"] == "conflicting_resend"
    assert "M1-1" in p["reason"] and "goods[0].value, consignee.address" in p["reason"]


def test_a_parcel_sent_again_with_another_value_is_rejected_and_the_stored_one_stands(
        ec_engine: Engine, submitter: Any) -> None:
    first, _ = run(ec_engine, submitter, jl(consignment("RS-1", goods=[goods("50", "CNY")]),
                                            consignment("RS-2", goods=[goods("70", "CNY")])))
    assert [r["result"] for r in first] == ["accepted", "accepted"]
    # A re-send after a timeout, formatted otherwise: a repeat. The same id with a raised value: a conflict.
    again, summary = run(ec_engine, submitter, jl(consignment("RS-1", goods=[goods("9999", "CNY")]),
                                                  consignment("RS-2", goods=[goods("70.00", "CNY")])))
    assert [r["result"] for r in again] == ["rejected", "repeat"]
    err = again[0]["errors"][0]
    assert (err["field"], err["code"]) == ("goods[0].value", "conflicting_resend")
    assert first[0]["consignment_id"] in err["reason"] and again[0]["parcel_id"] == "RS-1"
    assert again[1]["consignment_id"] == first[1]["consignment_id"]
    assert (summary["accepted"], summary["repeats"], summary["rejected"]) == (0, 1, 1)
    with Session(ec_engine) as s:
        stored = s.scalars(select(Consignment).where(Consignment.submitter_id == submitter[0],
                                                     Consignment.parcel_id == "RS-1")).one()
        assert stored.value_jpy == first[0]["value_jpy"] and "9999" not in stored.goods
        m = s.get(Manifest, summary["manifest_id"])
        assert m is not None and (m.rejected, m.repeats) == (1, 1)


def test_the_same_parcel_twice_in_one_manifest(ec_engine: Engine, submitter: Any) -> None:
    results, _ = run(ec_engine, submitter, jl(
        consignment("RT-1"), consignment("RT-1"), consignment("RT-1", consignee={"name": "Suzuki", "address": "x"})))
    assert [r["result"] for r in results] == ["accepted", "repeat", "rejected"]
    assert results[2]["errors"][0]["field"] == "consignee.name"
    assert {e["field"] for e in results[2]["errors"]} == {"consignee.name"}
    assert "consignee.address" in results[2]["errors"][0]["reason"]


def test_csv_rows_of_a_parcel_apart_from_each_other_are_not_dropped_as_a_repeat(
        ec_engine: Engine, submitter: Any) -> None:
    """The probe's case: rows of PID-1, PID-2, PID-1 ("cup"). The cup came back as a repeat of line 2 and was
    lost; so was a second, identical row (the review's case). The later rows are rejected whatever they hold; the
    same parcel in a new manifest (a re-send) is still a repeat."""
    head = (b"parcel_id,platform,seller_id,seller_name,seller_country,consignee_name,consignee_address,"
            b"delivery_place,description,currency,value\n")

    def row(pid: str, what: str) -> bytes:
        return f"{pid},Temu,S-1,Shop,CN,Sato Yui,1-2-3 Chiyoda Tokyo,Tokyo,{what},CNY,30.00\n".encode()

    for tag, later in (("CS", "cup"), ("CI", "phone case")):
        body = head + row(f"{tag}-1", "phone case") + row(f"{tag}-2", "scarf") + row(f"{tag}-1", later)
        assert [i.line_no for i in parse.items([body], "csv", 10_000)] == [2, 3, 4]
        results, summary = run(ec_engine, submitter, [body], "csv")
        assert [(r["line"], r["result"]) for r in results] == [(2, "accepted"), (3, "accepted"), (4, "rejected")]
        err = results[2]["errors"][0]
        assert (err["field"], err["code"], err["csv_line"], err["column"]) == ("parcel_id", "rows_apart", 4,
                                                                              "parcel_id")
        assert "line 2" in err["reason"] and summary["repeats"] == 0
        again, _ = run(ec_engine, submitter, [head + row(f"{tag}-1", "phone case")], "csv")
        assert again[0]["result"] == "repeat"
