"""Trader API: lodge, fetch, list, amend, history; tenant isolation; idempotency."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smartcustoms.declarations.models import ImportDeclaration
from smartcustoms.risk import service as risk
from tests.declarations.helpers import answer_1111, auth, body, line

URL = "/api/v1/import-declarations"


def count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(ImportDeclaration)) or 0


def test_lodge_returns_assessment_and_lane_at_once(client: TestClient, make_trader: Any) -> None:
    _, key = make_trader()
    r = client.post(URL, json=answer_1111(), headers=auth(key))
    assert r.status_code == 201, r.text
    d = r.json()
    # Lane 1 is permitted at once; the duty and tax due make it wait for payment, with the order shown.
    assert d["id"] and d["status"] == "awaiting_payment" and d["lane"] == 1
    assert d["payment"]["status"] == "open" and d["payment"]["amount_jpy"] == d["assessment"]["total_jpy"]
    assert d["lane_reasons"] and d["lane_reasons"][0]["kind"] == "default"
    a = d["assessment"]
    # Customs Answer 1111: duty 92,400, national CT 56,400, local CT 15,900.
    assert (a["duty_jpy"], a["consumption_tax_national_jpy"], a["consumption_tax_local_jpy"]) == (92400, 56400, 15900)
    assert a["total_jpy"] == 92400 + 56400 + 15900
    assert [ln["duty_jpy"] for ln in a["lines"]] == [74760, 17640]
    assert r.headers["Location"].endswith(d["id"])
    again = client.get(f"{URL}/{d['id']}", headers=auth(key))
    assert again.status_code == 200 and again.json() == d


def test_openapi_lists_the_contract(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "/api/v1/import-declarations" in spec["paths"]
    assert "/api/v1/import-declarations/{declaration_id}" in spec["paths"]


def test_api_key_required(client: TestClient, make_trader: Any) -> None:
    assert client.post(URL, json=body()).status_code == 401
    assert client.get(URL, headers=auth("sck_not-a-real-key")).status_code == 401
    r = client.get(URL, headers={"Authorization": "Basic abc"})
    assert r.status_code == 401 and r.json()["errors"][0]["field"] == "Authorization"


def test_trader_sees_only_its_own(client: TestClient, make_trader: Any, session: Session) -> None:
    _, key_a = make_trader("A")
    _, key_b = make_trader("B")
    a_id = client.post(URL, json=body(), headers=auth(key_a)).json()["id"]
    b_id = client.post(URL, json=body(), headers=auth(key_b)).json()["id"]
    assert client.get(f"{URL}/{b_id}", headers=auth(key_a)).status_code == 404
    assert client.get(f"{URL}/{b_id}/history", headers=auth(key_a)).status_code == 404
    listed = client.get(URL, headers=auth(key_a))
    assert [d["id"] for d in listed.json()] == [a_id] and listed.headers["X-Total-Count"] == "1"
    # Amending another trader's declaration changes nothing.
    risk.create_profile(session, risk.ProfileSpec("all to docs", 2, "test", min_value_jpy=0), "test")
    c_id = client.post(URL, json=body(), headers=auth(key_b)).json()["id"]
    before = client.get(f"{URL}/{c_id}", headers=auth(key_b)).json()
    r = client.put(f"{URL}/{c_id}", json=body(line(customs_value="1")), headers=auth(key_a))
    assert r.status_code == 404
    assert client.get(f"{URL}/{c_id}", headers=auth(key_b)).json() == before


def test_idempotency_key_returns_first_result_and_creates_nothing(
    client: TestClient, make_trader: Any, session: Session
) -> None:
    _, key = make_trader()
    _, other = make_trader("Other")
    n0 = count(session)
    first = client.post(URL, json=body(), headers=auth(key, **{"Idempotency-Key": "k-1"}))
    retry = client.post(URL, json=body(), headers=auth(key, **{"Idempotency-Key": "k-1"}))
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json() and retry.headers.get("Idempotent-Replayed") == "true"
    assert count(session) == n0 + 1
    # The same key with a different body is refused, naming the header.
    clash = client.post(URL, json=body(line(customs_value="1000")), headers=auth(key, **{"Idempotency-Key": "k-1"}))
    assert clash.status_code == 409 and clash.json()["errors"][0]["field"] == "Idempotency-Key"
    # Keys are per trader: another trader's same key is a new lodgement.
    assert client.post(URL, json=body(), headers=auth(other, **{"Idempotency-Key": "k-1"})).status_code == 201
    assert count(session) == n0 + 2


def test_lane_from_profiles_with_every_hit_shown(client: TestClient, make_trader: Any, session: Session) -> None:
    risk.create_profile(session, risk.ProfileSpec("audio", 2, "audio from CN", hs_prefix="8518",
                                                  origin_country="CN"), "test")
    risk.create_profile(session, risk.ProfileSpec("arms", 3, "weapons", hs_prefix="93"), "test")
    _, key = make_trader()
    d = client.post(URL, json=body(line(), line(hs_code="930200", origin_country="US", duty_rate="0")),
                    headers=auth(key)).json()
    assert d["lane"] == 3 and d["status"] == "awaiting_inspection"
    assert sorted(h["profile"] for h in d["lane_reasons"]) == ["arms", "audio"]
    arms = next(h for h in d["lane_reasons"] if h["profile"] == "arms")
    assert arms["lines"] == [2] and arms["reason"] == "weapons"


def test_rate_mismatch_is_a_rule_hit(client: TestClient, make_trader: Any, session: Session) -> None:
    from datetime import date
    from pathlib import Path
    from tempfile import TemporaryDirectory

    from smartcustoms.tariff import service as tariff

    with TemporaryDirectory() as tmp:
        p = Path(tmp, "t.csv")
        p.write_text(f"hs_code,duty_rate,valid_from,valid_to,source\n851830,0.05,{date(2020, 1, 1)},,test\n")
        tariff.load_tariff(session, tariff.parse_tariff_csv(p))
    risk.create_profile(session, risk.ProfileSpec("mismatch", 2, "claimed rate differs", rate_mismatch=True), "t")
    _, key = make_trader()
    d = client.post(URL, json=body(line(duty_rate="0.14")), headers=auth(key)).json()
    assert d["lane"] == 2 and d["lane_reasons"][0]["profile"] == "mismatch"
    a_line = d["assessment"]["lines"][0]
    assert a_line["rate_mismatch"] is True and a_line["rate_source"] == "tariff"
    # The tariff's 5% is applied, not the claimed 14%: 534,000 x 0.05.
    assert a_line["duty_jpy"] == 26700
    ok = client.post(URL, json=body(line(duty_rate="0.05")), headers=auth(key)).json()
    assert ok["lane"] == 1


def test_amend_before_release_and_history(client: TestClient, make_trader: Any, session: Session) -> None:
    risk.create_profile(session, risk.ProfileSpec("docs", 2, "documents", min_value_jpy=100_000), "test")
    _, key = make_trader()
    d = client.post(URL, json=body(), headers=auth(key)).json()
    assert d["lane"] == 2 and d["version"] == 1
    r = client.put(f"{URL}/{d['id']}", json=body(line(customs_value="50000")), headers=auth(key, **{"If-Match": "1"}))
    assert r.status_code == 200, r.text
    amended = r.json()
    assert amended["version"] == 2 and amended["lane"] == 2  # the lane never drops on amendment
    assert amended["assessment"]["lines"][0]["value_jpy"] == 50000
    assert any(h["kind"] == "amendment" for h in amended["lane_reasons"])
    stale = client.put(f"{URL}/{d['id']}", json=body(), headers=auth(key, **{"If-Match": "1"}))
    assert stale.status_code == 412
    hist = client.get(f"{URL}/{d['id']}/history", headers=auth(key)).json()
    assert [h["action"] for h in hist] == ["lodged", "amended"]
    assert hist[0]["actor"].startswith("trader:")


def test_released_declaration_cannot_be_amended(client: TestClient, make_trader: Any) -> None:
    _, key = make_trader()
    d = client.post(URL, json=body(), headers=auth(key)).json()
    assert d["status"] == "awaiting_payment"
    r = client.put(f"{URL}/{d['id']}", json=body(line(customs_value="1")), headers=auth(key))
    assert r.status_code == 409 and r.json()["errors"][0]["field"] == "status"
    assert client.get(f"{URL}/{d['id']}", headers=auth(key)).json()["version"] == 1


def test_list_filters(client: TestClient, make_trader: Any, session: Session) -> None:
    risk.create_profile(session, risk.ProfileSpec("arms", 3, "weapons", hs_prefix="93"), "test")
    _, key = make_trader()
    client.post(URL, json=body(), headers=auth(key))
    client.post(URL, json=body(line(hs_code="930200", duty_rate="0")), headers=auth(key))
    assert len(client.get(URL, params={"lane": 3}, headers=auth(key)).json()) == 1
    assert len(client.get(URL, params={"status": "awaiting_payment"}, headers=auth(key)).json()) == 1
    assert client.get(URL, params={"status": "bogus"}, headers=auth(key)).status_code == 422
    assert len(client.get(URL, params={"limit": 1}, headers=auth(key)).json()) == 1


def test_trader_sees_the_inspection_outcome_not_the_officer(
    client: TestClient, make_trader: Any, session: Session
) -> None:
    from smartcustoms.declarations import service

    risk.create_profile(session, risk.ProfileSpec("arms", 3, "weapons", hs_prefix="93"), "test")
    _, key = make_trader()
    d = client.post(URL, json=body(line(hs_code="930200", duty_rate="0")), headers=auth(key)).json()
    service.decide(session, d["id"], action="record_inspection", reason="x-ray", officer="tanaka", role="officer",
                   inspection_result="discrepancy", findings="two undeclared cartons", recovered_duty_jpy=5000)
    seen = client.get(f"{URL}/{d['id']}", headers=auth(key)).json()["inspection"]
    assert seen["result"] == "discrepancy" and seen["recovered_duty_jpy"] == 5000
    assert "officer" not in seen


def test_six_digit_code_cannot_dodge_the_nine_digit_tariff(
    client: TestClient, make_trader: Any, session: Session, tmp_path: Any
) -> None:
    from smartcustoms.tariff import service as tariff

    p = tmp_path / "t.csv"
    p.write_text("hs_code,duty_rate,valid_from,valid_to,source\n851830000,0.14,2020-01-01,,schedule\n"
                 "610910010,0.109,2020-01-01,,schedule\n610910090,0.074,2020-01-01,,schedule\n")
    tariff.load_tariff(session, tariff.parse_tariff_csv(p))
    _, key = make_trader()
    six = client.post(URL, json=body(line(hs_code="851830", duty_rate="0")), headers=auth(key)).json()
    assert six["assessment"]["lines"][0]["rate_source"] == "tariff"
    assert six["assessment"]["lines"][0]["rate_mismatch"] is True and six["assessment"]["duty_jpy"] == 74700
    unlisted = client.post(URL, json=body(line(hs_code="851830900", duty_rate="0")), headers=auth(key))
    assert unlisted.status_code == 422
    assert unlisted.json()["errors"][0] == {"field": "lines[0].hs_code", "code": "ambiguous_tariff_line",
                                            "reason": unlisted.json()["errors"][0]["reason"]}
    ambiguous = client.post(URL, json=body(line(hs_code="610910", duty_rate="0.074")), headers=auth(key))
    assert ambiguous.status_code == 422 and "610910010" in ambiguous.json()["errors"][0]["reason"]


def test_amendment_retried_with_its_idempotency_key_is_replayed_not_refused(client: TestClient, make_trader: Any,
                                                                           session: Session) -> None:
    risk.create_profile(session, risk.ProfileSpec("docs", 2, "documents", min_value_jpy=100_000), "test")
    _, key = make_trader()
    d = client.post(URL, json=body(), headers=auth(key)).json()
    other = client.post(URL, json=body(), headers=auth(key)).json()
    headers = auth(key, **{"If-Match": "1", "Idempotency-Key": "amend-0001"})
    first = client.put(f"{URL}/{d['id']}", json=body(line(customs_value="150000")), headers=headers)
    assert first.status_code == 200, first.text
    assert first.json()["version"] == 2 and first.headers["ETag"] == '"2"'
    # The answer was lost: the same request again replays it instead of meeting version 2 as a stale If-Match.
    again = client.put(f"{URL}/{d['id']}", json=body(line(customs_value="150000")), headers=headers)
    assert again.status_code == 200, again.text
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json() == first.json()
    hist = client.get(f"{URL}/{d['id']}/history", headers=auth(key)).json()
    assert [h["action"] for h in hist] == ["lodged", "amended"]
    # The same key with another body is a conflict naming the header, and changes nothing.
    clash = client.put(f"{URL}/{d['id']}", json=body(line(customs_value="160000")), headers=headers)
    assert clash.status_code == 409 and clash.json()["errors"][0]["field"] == "Idempotency-Key"
    # ... and so is the same body based on another version.
    clash = client.put(f"{URL}/{d['id']}", json=body(line(customs_value="150000")),
                       headers=auth(key, **{"If-Match": "2", "Idempotency-Key": "amend-0001"}))
    assert clash.status_code == 409
    assert client.get(f"{URL}/{d['id']}", headers=auth(key)).json()["version"] == 2
    # A key is the amendment of one declaration: the same key on another declaration amends that one.
    r = client.put(f"{URL}/{other['id']}", json=body(line(customs_value="150000")), headers=headers)
    assert r.status_code == 200 and r.json()["version"] == 2 and "Idempotent-Replayed" not in r.headers
    # Without a key a retry meets its own new version (412), as before; a key of 256 characters is refused.
    stale = client.put(f"{URL}/{d['id']}", json=body(line(customs_value="150000")),
                       headers=auth(key, **{"If-Match": "1"}))
    assert stale.status_code == 412
    long_key = client.put(f"{URL}/{d['id']}", json=body(), headers=auth(key, **{"Idempotency-Key": "k" * 256}))
    assert long_key.status_code == 422 and long_key.json()["errors"][0]["field"] == "Idempotency-Key"
