"""Rules through the lodge path: currency conversion, low value, simplified rates, AEO sampling."""

from __future__ import annotations

from datetime import timedelta
from decimal import ROUND_FLOOR, Decimal
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from smartcustoms.db import utcnow
from smartcustoms.declarations.flows import declaration_date
from smartcustoms.reference import service as reference
from smartcustoms.risk import service as risk
from tests.declarations.helpers import auth, body, line

URL = "/api/v1/import-declarations"


def load_week_rate(session: Session, tmp_path: Path, currency: str, rate: str, weeks_from_now: int = 0) -> None:
    today = declaration_date(utcnow()) + timedelta(weeks=weeks_from_now)
    start = today - timedelta(days=(today.weekday() + 1) % 7)
    p = tmp_path / f"{currency}{weeks_from_now}.csv"
    p.write_text(f"currency,valid_from,valid_to,rate_jpy,source\n{currency},{start},,{rate},test\n")
    reference.load_rates(session, reference.parse_rates_csv(p))


def test_foreign_currency_uses_the_weekly_rate_in_force(
    client: TestClient, make_trader: Any, session: Session, tmp_path: Path
) -> None:
    load_week_rate(session, tmp_path, "USD", "149.87", weeks_from_now=-1)
    load_week_rate(session, tmp_path, "USD", "151.23")
    load_week_rate(session, tmp_path, "USD", "155.00", weeks_from_now=1)
    _, key = make_trader()
    r = client.post(URL, json=body(line(customs_value="3536.33"), currency="USD"), headers=auth(key))
    assert r.status_code == 201, r.text
    d = r.json()
    expected = int((Decimal("3536.33") * Decimal("151.23")).to_integral_value(rounding=ROUND_FLOOR))
    assert d["assessment"]["lines"][0]["value_jpy"] == expected
    assert d["exchange_rate"]["rate_jpy"] == "151.23"


def test_no_rate_for_the_week_is_refused(client: TestClient, make_trader: Any, session: Session,
                                         tmp_path: Path) -> None:
    load_week_rate(session, tmp_path, "EUR", "160", weeks_from_now=-2)
    _, key = make_trader()
    r = client.post(URL, json=body(currency="EUR", lines=[line(customs_value="100.00")]), headers=auth(key))
    assert r.status_code == 422
    err = r.json()["errors"][0]
    assert err["field"] == "currency" and "EUR" in err["reason"] and err["code"] == "no_exchange_rate"


def test_low_value_exempt_and_excluded_goods(client: TestClient, make_trader: Any) -> None:
    _, key = make_trader()
    small = client.post(URL, json=body(line(customs_value="10000", hs_code="851830")), headers=auth(key)).json()
    a = small["assessment"]
    assert a["low_value_exempt"] is True and a["total_jpy"] == 0 and a["lines"][0]["exempt"] is True
    over = client.post(URL, json=body(line(customs_value="10001")), headers=auth(key)).json()
    assert over["assessment"]["low_value_exempt"] is False
    # Footwear (chapter 64) is excluded from the exemption: still taxed under ¥10,000.
    shoes = client.post(URL, json=body(line(customs_value="9000", hs_code="640399", duty_rate="0.3")),
                        headers=auth(key)).json()
    assert shoes["assessment"]["lines"][0]["exempt"] is False
    assert shoes["assessment"]["consumption_tax_national_jpy"] > 0


def test_personal_use_sixty_percent(client: TestClient, make_trader: Any) -> None:
    _, key = make_trader()
    d = client.post(URL, json=body(line(customs_value="16666"), personal_use=True), headers=auth(key)).json()
    assert d["assessment"]["lines"][0]["dutiable_value_jpy"] == 9999
    assert d["assessment"]["low_value_exempt"] is True
    d = client.post(URL, json=body(line(customs_value="16670"), personal_use=True), headers=auth(key)).json()
    assert d["assessment"]["lines"][0]["dutiable_value_jpy"] == 10002
    assert d["assessment"]["low_value_exempt"] is False


def test_simplified_rate_and_opt_out(client: TestClient, make_trader: Any) -> None:
    _, key = make_trader()
    # Non-knitted clothing (chapter 62), ¥50,000: the simplified 10% band applies unless opted out.
    shirt = line(hs_code="620520", customs_value="50000", duty_rate="0.074", description="Cotton shirts")
    d = client.post(URL, json=body(shirt), headers=auth(key)).json()
    assert d["assessment"]["simplified_applied"] is True
    assert d["assessment"]["lines"][0]["rate_source"] == "simplified"
    assert d["assessment"]["lines"][0]["duty_jpy"] == 5000
    out = client.post(URL, json=body(shirt, simplified_tariff_opt_out=True), headers=auth(key)).json()
    assert out["assessment"]["lines"][0]["rate_source"] == "claimed"
    assert out["assessment"]["lines"][0]["duty_jpy"] == 3700
    big = client.post(URL, json=body({**shirt, "customs_value": "250000"}), headers=auth(key)).json()
    assert big["assessment"]["simplified_applied"] is False


def test_aeo_lower_random_rate_and_never_lane_3_from_random(
    client: TestClient, make_trader: Any, session: Session
) -> None:
    risk.create_profile(session, risk.ProfileSpec("random", 3, "compliance sample", random_rate="1"), "test")
    _, plain_key = make_trader("Plain")
    _, aeo_key = make_trader("AEO Importer", code="AEO-IMP", aeo=True)
    own = body(importer={"code": "AEO-IMP", "name": "AEO Importer", "country": "JP"})
    plain = client.post(URL, json=own, headers=auth(plain_key)).json()
    assert plain["lane"] == 3 and plain["aeo_importer"] is False  # typing an AEO's code grants nothing
    aeo = client.post(URL, json=own, headers=auth(aeo_key)).json()
    # The AEO rate defaults to a quarter of 100%: some AEO lodgements are sampled, none reach lane 3.
    assert aeo["aeo_importer"] is True and aeo["lane"] in (1, 2)
    lanes = [client.post(URL, json=own, headers=auth(aeo_key)).json()["lane"] for _ in range(40)]
    assert 3 not in lanes
    # Expected 10 of 40 at 25%; fewer than 1 or more than 24 has odds below 1 in 10,000.
    assert 1 <= lanes.count(2) <= 24


def test_whole_yen_written_with_zero_decimals_is_accepted(client: TestClient, make_trader: Any) -> None:
    _, key = make_trader()
    r = client.post(URL, json=body(line(customs_value="534795.00")), headers=auth(key))
    assert r.status_code == 201, r.text
    assert r.json()["assessment"]["lines"][0]["value_jpy"] == 534795
