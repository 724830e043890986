"""Filing means-of-payment declarations over the public API; officers see flags."""

from __future__ import annotations

import base64
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from smartcustoms.identity import service as identity
from smartcustoms.meansofpayment.service import today_jst
from smartcustoms.reference.service import RateRow, load_rates

URL = "/api/v1/means-of-payment-declarations"


@pytest.fixture()
def usd(session: Session) -> Decimal:
    today = today_jst()
    rate = Decimal("150.25")
    load_rates(session, [RateRow("USD", today - timedelta(days=3), today + timedelta(days=3), rate, "test rate")])
    return rate


def body(*items: dict[str, Any], **kw: Any) -> dict[str, Any]:
    b: dict[str, Any] = {"family_name": "Suzuki", "given_name": "Hanako", "nationality": "JP",
                         "passport_number": "TK1234567", "date_of_birth": "1985-04-01", "direction": "arrival",
                         "flight": "NH10", "origin_country": "US", "destination_country": "JP",
                         "items": list(items) or [{"kind": "cash", "currency": "JPY", "amount": "300000"}]}
    b.update(kw)
    return b


def test_foreign_cash_converted_at_the_weekly_rate(client: TestClient, usd: Decimal) -> None:
    r = client.post(URL, json=body({"kind": "cash", "currency": "USD", "amount": "6000"},
                                   {"kind": "cash", "currency": "JPY", "amount": "200000"}))
    assert r.status_code == 201, r.text
    d = r.json()
    usd_yen = int(Decimal(6000) * usd)  # 901,500 (floored)
    assert d["items"][0]["amount_jpy"] == usd_yen and d["items"][0]["rate"]["rate_jpy"] == str(usd)
    assert d["total_jpy"] == usd_yen + 200_000
    assert d["declaration_required"] is True and d["required_reasons"][0]["code"] == "over_limit"
    assert "flags" not in d  # for officers


def test_north_korea_departure_limit(client: TestClient) -> None:
    b = body({"kind": "cash", "currency": "JPY", "amount": "150000"}, direction="departure", origin_country="JP",
             destination_country="KP")
    d = client.post(URL, json=b).json()
    assert d["declaration_required"] is True and d["limit_jpy"] == 100_000
    same_to_korea = client.post(URL, json={**b, "destination_country": "KR", "passport_number": "TK7654321"}).json()
    assert same_to_korea["declaration_required"] is False and same_to_korea["limit_jpy"] == 1_000_000


def test_gold_bullion(client: TestClient) -> None:
    d = client.post(URL, json=body({"kind": "gold_bullion", "weight_g": "1200", "purity": "0.9999"})).json()
    assert d["declaration_required"] is True and d["required_reasons"][0]["code"] == "gold_bullion"


@pytest.mark.parametrize(("item", "field"), [
    ({"kind": "cash", "currency": "XXQ", "amount": "10"}, "items[0].currency"),
    ({"kind": "cash", "currency": "EUR", "amount": "10"}, "items[0].currency"),  # no weekly rate loaded
    ({"kind": "cash", "currency": "JPY", "amount": "-10"}, "items[0].amount"),
    ({"kind": "cash", "currency": "JPY"}, "items[0].amount"),
    ({"kind": "gold_bullion", "weight_g": "100"}, "items[0].purity"),
    ({"kind": "gold_bullion", "weight_g": "100", "purity": "1.5"}, "items[0].purity"),
    ({"kind": "diamonds", "amount": "1"}, "items[0].kind"),
])
def test_bad_items_are_refused_naming_the_field(client: TestClient, item: dict[str, Any], field: str) -> None:
    r = client.post(URL, json=body(item))
    assert r.status_code == 422
    assert field in [e["field"] for e in r.json()["errors"]], r.json()


@pytest.mark.parametrize(("change", "field"), [
    ({"nationality": "QQ"}, "nationality"), ({"date_of_birth": "2999-01-01"}, "date_of_birth"),
    ({"direction": "sideways"}, "direction"), ({"flight": "??"}, "flight"), ({"destination_country": "US"},
                                                                               "destination_country"),
])
def test_bad_identity_or_route_is_refused(client: TestClient, change: dict[str, Any], field: str) -> None:
    r = client.post(URL, json=body(**change))
    assert r.status_code == 422 and field in [e["field"] for e in r.json()["errors"]], r.json()


def test_idempotency_key_replays(client: TestClient) -> None:
    first = client.post(URL, json=body(), headers={"Idempotency-Key": "mop-1"})
    again = client.post(URL, json=body(), headers={"Idempotency-Key": "mop-1"})
    assert first.status_code == again.status_code == 201 and first.json()["id"] == again.json()["id"]
    assert again.headers.get("Idempotent-Replayed") == "true"
    other = client.post(URL, json=body(flight="JL1"), headers={"Idempotency-Key": "mop-1"})
    assert other.status_code == 409


def test_officer_sees_structuring_and_route_flags(client: TestClient, session: Session) -> None:
    identity.create_officer(session, "mori", "counter-pass-2026", "officer", actor="test")
    auth = {"Authorization": "Basic " + base64.b64encode(b"mori:counter-pass-2026").decode()}
    just_under = {"kind": "cash", "currency": "JPY", "amount": "990000"}
    client.post(URL, json=body(just_under, passport_number="RP0000001"))
    second = client.post(URL, json=body(just_under, passport_number="RP0000001")).json()
    client.post(URL, json=body(passport_number="RP0000002", origin_country="IR"))
    listed = client.get("/api/v1/officer/means-of-payment-declarations", params={"flagged": True}, headers=auth)
    assert listed.status_code == 200
    by_passport: dict[str, set[str]] = {}
    for d in listed.json():
        by_passport.setdefault(d["passport_number"], set()).update(f["code"] for f in d["flags"])
    assert "structuring" in by_passport["RP0000001"] and "route_risk" in by_passport["RP0000002"]
    detail = client.get(f"/api/v1/officer/means-of-payment-declarations/{second['id']}", headers=auth).json()
    assert "structuring" in [f["code"] for f in detail["flags"]]
    assert client.get("/api/v1/officer/means-of-payment-declarations").status_code == 401


def test_watch_list_hit_is_flagged(client: TestClient, session: Session) -> None:
    from smartcustoms.screening.defaults import load_defaults

    load_defaults(session, actor="test", codes=["UN"])
    identity.create_officer(session, "mori2", "counter-pass-2026", "officer", actor="test")
    auth = {"Authorization": "Basic " + base64.b64encode(b"mori2:counter-pass-2026").decode()}
    hit = client.post(URL, json=body(family_name="Badege", given_name="Eric", nationality="CD",
                                     date_of_birth="1971-01-01", passport_number="CD0000001")).json()
    clean = client.post(URL, json=body(passport_number="JP0000009")).json()
    flags = {d["id"]: [f["code"] for f in d["flags"]]
             for d in client.get("/api/v1/officer/means-of-payment-declarations", headers=auth).json()}
    assert "watchlist" in flags[hit["id"]] and "watchlist" not in flags[clean["id"]]


@pytest.mark.parametrize(("amount", "required"), [("1000000", False), ("1000000.00", False), ("1000001", True)])
def test_exactly_one_million_yen_is_not_over(client: TestClient, amount: str, required: bool) -> None:
    d = client.post(URL, json=body({"kind": "cash", "currency": "JPY", "amount": amount})).json()
    assert d["total_jpy"] == int(Decimal(amount)) and d["declaration_required"] is required


@pytest.mark.parametrize(("item", "required"), [
    ({"kind": "gold_bullion", "weight_g": "1000", "purity": "0.90"}, False),  # exactly 1 kg is not over
    ({"kind": "gold_bullion", "weight_g": "1000.001", "purity": "0.90"}, True),  # 90% exactly counts
    ({"kind": "gold_bullion", "weight_g": "5000", "purity": "0.8999"}, False),  # under 90%: not bullion here
])
def test_gold_boundaries_over_http(client: TestClient, item: dict[str, Any], required: bool) -> None:
    r = client.post(URL, json=body(item))
    assert r.status_code == 201 and r.json()["declaration_required"] is required


@pytest.mark.parametrize(("change", "field"), [
    ({"family_name": "Suz\u0000uki"}, "family_name"),  # NUL was stored on SQLite and a 500 on PostgreSQL
    ({"given_name": "Hana\u0007ko"}, "given_name"),
    ({"items": [{"kind": "cash", "currency": "JPY", "amount": "10", "description": "note\u0000"}]},
     "items[0].description"),
    ({"family_name": "...", "given_name": "Hanako"}, "family_name"),  # was refused by screening as field "name"
])
def test_control_characters_and_letterless_names_are_refused(client: TestClient, session: Session,
                                                            change: dict[str, Any], field: str) -> None:
    r = client.post(URL, json=body(**change))
    assert r.status_code == 422, r.text
    assert [e["field"] for e in r.json()["errors"]] == [field]


def test_a_name_with_an_ideographic_space_is_accepted(client: TestClient, session: Session) -> None:
    r = client.post(URL, json=body(family_name="鈴木\u3000", given_name="花子\u3000さくら"))
    assert r.status_code == 201, r.text


@pytest.mark.parametrize("declaration_id", ["%00", "a%00b", "nope", "x" * 300])
def test_ids_that_are_not_declaration_ids_are_404(client: TestClient, session: Session, declaration_id: str) -> None:
    identity.create_officer(session, "mori3", "counter-pass-2026", "officer", actor="test")
    auth = {"Authorization": "Basic " + base64.b64encode(b"mori3:counter-pass-2026").decode()}
    r = client.get(f"/api/v1/officer/means-of-payment-declarations/{declaration_id}", headers=auth)
    assert r.status_code == 404  # NUL was a 500 on PostgreSQL


def test_filing_page_refuses_control_characters_in_both_languages(client: TestClient) -> None:
    for lang in ("ja", "en"):
        r = client.post("/means-of-payment", data={
            "lang": lang, "family_name": "Suz\u0000uki", "given_name": "Hanako", "nationality": "JP",
            "passport_number": "TK1234567", "date_of_birth": "1985-04-01", "direction": "arrival", "flight": "NH10",
            "origin_country": "US", "destination_country": "JP", "items-0-kind": "cash", "items-0-currency": "JPY",
            "items-0-amount": "1000"})
        assert r.status_code == 422 and "family_name" in r.text


@pytest.mark.parametrize(("item", "field"), [
    # 44 characters of decimals did not fit the 40-character column: a 500 on PostgreSQL
    ({"kind": "cash", "currency": "USD", "amount": "1." + "0" * 40 + "1"}, "items[0].amount"),
    ({"kind": "gold_bullion", "weight_g": "1000." + "0" * 40 + "1", "purity": "0.9"}, "items[0].weight_g"),
    ({"kind": "gold_bullion", "weight_g": "1200", "purity": "0.9" + "0" * 40 + "1"}, "items[0].purity"),
])
def test_amounts_weights_and_purity_with_too_many_decimals_are_refused(
        client: TestClient, usd: Decimal, item: dict[str, Any], field: str) -> None:
    r = client.post(URL, json=body(item))
    assert r.status_code == 422, r.text
    assert [e["field"] for e in r.json()["errors"]] == [field]


def test_cents_and_grams_to_the_milligram_are_fine(client: TestClient, usd: Decimal) -> None:
    r = client.post(URL, json=body({"kind": "cash", "currency": "USD", "amount": "6655.55"},
                                   {"kind": "gold_bullion", "weight_g": "999.999", "purity": "0.9999"}))
    assert r.status_code == 201 and r.json()["declaration_required"] is False


def test_trailing_zeros_do_not_overflow_the_stored_amount(client: TestClient) -> None:
    r = client.post(URL, json=body({"kind": "cash", "currency": "JPY", "amount": "1000000." + "0" * 40}))
    assert r.status_code == 201 and r.json()["total_jpy"] == 1_000_000
    assert r.json()["items"][0]["amount"] == "1000000"


@pytest.mark.parametrize("purity", ["0." + "8" + "9" * 30, "0.89999999999999999999999"])
def test_purity_just_under_ninety_percent_is_not_rounded_up(client: TestClient, purity: str) -> None:
    """28-digit Decimal rounding turned 0.8999…9 into 0.9, so 5 kg of 89.99…% gold counted as bullion."""
    r = client.post(URL, json=body({"kind": "gold_bullion", "weight_g": "5000", "purity": purity}))
    if r.status_code == 201:
        assert r.json()["declaration_required"] is False and r.json()["items"][0]["purity"].startswith("0.8")
    else:
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "items[0].purity"
