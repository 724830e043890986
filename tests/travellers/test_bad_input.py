"""Bad declarations are refused with the field and the reason, and nothing is stored."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smartcustoms.reference import service as reference
from smartcustoms.travellers.models import PassengerDeclaration
from tests.travellers.helpers import body, days_ago, today


def refused(client: TestClient, b: dict[str, Any], status: int = 422) -> list[str]:
    r = client.post("/api/v1/passenger-declarations", json=b)
    assert r.status_code == status, r.text
    return [e["field"] for e in r.json()["errors"]]


def goods(**kw: Any) -> dict[str, Any]:
    return {"other_goods": [], **kw}


@pytest.mark.parametrize(("change", "field"), [
    ({"goods": goods(alcohol_bottles=-1)}, "goods.alcohol_bottles"),
    ({"goods": goods(cigarettes=10**9)}, "goods.cigarettes"),
    ({"goods": goods(alcohol_bottles=5000)}, "goods.alcohol_bottles"),
    ({"goods": goods(other_goods=[{"description": "Bag", "value_jpy": -5}])}, "goods.other_goods[0].value_jpy"),
    ({"goods": goods(other_goods=[{"description": "Bag"}])}, "goods.other_goods[0]"),
    ({"goods": goods(other_goods=[{"description": "Bag", "value_jpy": 1, "quantity": 0}])},
     "goods.other_goods[0].quantity"),
    ({"goods": goods(perfume_ml=-3)}, "goods.perfume_ml"),
    ({"goods": goods(rockets=2)}, "goods.rockets"),
    ({"nationality": "XX"}, "nationality"),
    ({"passport_number": "!!"}, "passport_number"),
    ({"date_of_birth": "1990-02-30"}, "date_of_birth"),
    ({"date_of_birth": "2999-01-01"}, "date_of_birth"),
    ({"arrival_date": "yesterday"}, "arrival_date"),
    ({"arrival_date": days_ago(400)}, "arrival_date"),
    ({"flight": "not a flight"}, "flight"),
    ({"family_name": ""}, "family_name"),
    ({"family_members": [{"family_name": "Yamada", "given_name": "Taro", "date_of_birth": "3000-01-01"}]},
     "family_members[0].date_of_birth"),
])
def test_refused_naming_the_field(client: TestClient, session: Session, change: dict[str, Any], field: str) -> None:
    before = session.scalar(select(func.count()).select_from(PassengerDeclaration))
    assert field in refused(client, body(**change))
    assert session.scalar(select(func.count()).select_from(PassengerDeclaration)) == before


def test_unknown_currency_refused(client: TestClient) -> None:
    b = body(goods=goods(other_goods=[{"description": "Bag", "value": "100", "currency": "XYZ"}]))
    assert refused(client, b) == ["goods.other_goods[0].currency"]


def test_missing_weekly_rate_refused(client: TestClient) -> None:
    b = body(goods=goods(other_goods=[{"description": "Bag", "value": "100", "currency": "CHF"}]))
    assert refused(client, b) == ["goods.other_goods[0].currency"]


def test_foreign_value_converted_at_weekly_rate(client: TestClient, session: Session) -> None:
    on = today()
    reference.load_rates(session, [reference.RateRow("USD", on, on, Decimal("150.25"), "test rate")])
    b = body(goods=goods(other_goods=[{"description": "Watch", "value": "2000", "currency": "USD"}]))
    r = client.post("/api/v1/passenger-declarations", json=b)
    assert r.status_code == 201, r.text
    assert r.json()["allowance"]["other_goods"]["items"][0]["value_jpy"] == 300_500


def test_missing_contract_field(client: TestClient) -> None:
    b = body()
    del b["passport_number"]
    assert refused(client, b) == ["passport_number"]


def test_gate_decision_bad_input(client: TestClient) -> None:
    r = client.post("/api/v1/gate-decisions", json={"qr_payload": "SCT1:X", "passport_number": "A",
                                                     "face_match": "maybe"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "face_match"
