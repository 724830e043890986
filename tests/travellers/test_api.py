"""The public declaration API and the gate API, through the app."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smartcustoms.audit.models import AuditEntry
from smartcustoms.travellers.models import GateDecision, PassengerDeclaration
from tests.travellers.helpers import body, over_body


def declare(client: TestClient, b: dict[str, Any], **headers: str) -> dict[str, Any]:
    r = client.post("/api/v1/passenger-declarations", json=b, headers=headers)
    assert r.status_code == 201, r.text
    return dict(r.json())


def gate(client: TestClient, payload: str, passport: str = "TR1234567", face: bool = True,
         gate_id: str = "HND-T3-07") -> dict[str, Any]:
    r = client.post("/api/v1/gate-decisions", json={"qr_payload": payload, "passport_number": passport,
                                                     "face_match": face}, headers={"X-Gate-Id": gate_id})
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_within_allowance_goes_green_and_is_recorded(client: TestClient, session: Session) -> None:
    out = declare(client, body())
    assert out["estimated_tax_jpy"] == 0
    assert out["allowance"]["over"] == [] and out["counter_reasons"] == []
    assert out["qr_payload"].startswith("SCT1:")
    assert out["expires_at"]
    decision = gate(client, out["qr_payload"])
    assert decision["decision"] == "green" and decision["reasons"] == []
    row = session.scalar(select(GateDecision).where(GateDecision.declaration_id == out["id"]))
    assert row is not None and row.gate_id == "HND-T3-07" and row.decision == "green"
    assert session.get(PassengerDeclaration, out["id"]).status == "cleared"  # type: ignore[union-attr]


def test_over_allowance_names_categories_and_goes_red(client: TestClient) -> None:
    out = declare(client, over_body())
    assert set(out["allowance"]["over"]) == {"alcohol", "tobacco", "other_goods"}
    assert out["allowance"]["alcohol"]["over_bottles"] == 2
    assert out["allowance"]["tobacco"]["over"] == {"cigarettes": 200}
    # the watch is over ¥200,000 and taxed whole; the camera uses the allowance
    items = {i["description"]: i["treatment"] for i in out["allowance"]["other_goods"]["items"]}
    assert items == {"Watch": "taxed_whole", "Camera": "allowance"}
    assert out["estimated_tax_jpy"] > 0 and out["estimated_tax_jpy"] % 100 == 0
    assert out["counter_reasons"] == ["allowance_exceeded"]
    decision = gate(client, out["qr_payload"])
    assert decision["decision"] == "red"
    assert [r["code"] for r in decision["reasons"]] == ["allowance_exceeded"]


def test_questions_send_to_counter(client: TestClient) -> None:
    out = declare(client, body(means_of_payment_over_limit=True, unaccompanied_baggage=True, prohibited_goods=True))
    assert out["counter_reasons"] == ["unaccompanied_baggage", "means_of_payment", "prohibited_goods"]
    codes = [r["code"] for r in gate(client, out["qr_payload"])["reasons"]]
    assert codes == ["unaccompanied_baggage", "means_of_payment", "prohibited_goods"]


def test_second_presentation_is_red(client: TestClient) -> None:
    out = declare(client, body())
    assert gate(client, out["qr_payload"])["decision"] == "green"
    again = gate(client, out["qr_payload"], gate_id="NRT-T1-02")
    assert again["decision"] == "red" and again["reasons"][0]["code"] == "already_used"
    anonymous = client.post("/api/v1/gate-decisions", json={"qr_payload": out["qr_payload"],
                                                             "passport_number": "TR1234567", "face_match": True})
    assert anonymous.json()["decision"] == "red"


def test_same_gate_retry_gets_its_first_decision(client: TestClient, session: Session) -> None:
    out = declare(client, body())
    first = gate(client, out["qr_payload"])
    retry = gate(client, out["qr_payload"])
    assert first["decision"] == retry["decision"] == "green"
    assert [r["code"] for r in retry["reasons"]] == ["repeated"]
    assert len(session.scalars(select(GateDecision).where(GateDecision.declaration_id == out["id"])).all()) == 2


def test_passport_and_face_checked(client: TestClient) -> None:
    out = declare(client, body())
    wrong = gate(client, out["qr_payload"], passport="XX9999999")
    assert wrong["decision"] == "red" and wrong["reasons"][0]["code"] == "passport_mismatch"
    # a wrong passport does not use up the declaration; a failed face match sends its owner to the counter
    face = gate(client, out["qr_payload"], passport=" tr1234567 ", face=False)
    assert face["decision"] == "red" and face["reasons"][0]["code"] == "face_mismatch"


def test_idempotency_key_replays(client: TestClient, session: Session) -> None:
    before = session.scalar(select(func.count()).select_from(PassengerDeclaration))
    first = declare(client, body(), **{"Idempotency-Key": "k-123"})
    again = client.post("/api/v1/passenger-declarations", json=body(), headers={"Idempotency-Key": "k-123"})
    assert again.status_code == 201 and again.json()["id"] == first["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert session.scalar(select(func.count()).select_from(PassengerDeclaration)) == before + 1
    other = client.post("/api/v1/passenger-declarations", json=body(flight="JL1"), headers={"Idempotency-Key": "k-123"})
    assert other.status_code == 409 and other.json()["errors"][0]["field"] == "Idempotency-Key"


def test_declaration_is_audited(client: TestClient, session: Session) -> None:
    out = declare(client, body())
    entry = session.scalar(select(AuditEntry).where(AuditEntry.entity_id == out["id"]))
    assert entry is not None and entry.action == "passenger_declaration.declared"


def test_gate_keys_published(client: TestClient) -> None:
    out = declare(client, body())
    ks = client.get("/api/v1/gate-keys").json()
    assert out["key_id"] in {k["kid"] for k in ks["keys"]}
    assert all(k["crv"] == "Ed25519" and "PRIVATE" not in k["pem"] for k in ks["keys"])
