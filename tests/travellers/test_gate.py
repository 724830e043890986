"""Gate decisions on tampered, forged, truncated and expired QR codes, random selection, watch-list hits, and a
declaration presented at two gates at once (real server, threads)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcustoms import migrate
from smartcustoms.db import make_engine
from smartcustoms.travellers import codec, keys, service
from smartcustoms.travellers import gate as travellers_gate
from smartcustoms.travellers.models import GateDecision, PassengerDeclaration
from smartcustoms.travellers.schemas import PassengerDeclarationIn
from tests.live import serve
from tests.travellers.helpers import body, days_ago
from tests.travellers.test_api import declare, gate


def _codes(decision: dict[str, Any]) -> list[str]:
    return [r["code"] for r in decision["reasons"]]


def _resign(payload: str, mutate: Callable[[dict[str, Any]], None], private: Ed25519PrivateKey) -> str:
    claims = codec.decode(payload, keys.load().public).claims
    mutate(claims)
    return codec.encode(claims, private)


def test_tampered_body_is_refused(client: TestClient, session: Session) -> None:
    out = declare(client, body())
    raw = bytearray(codec.b45decode(out["qr_payload"][len(codec.PREFIX):]))
    raw[-3] ^= 0x01  # one bit of the compressed body
    tampered = codec.PREFIX + codec.b45encode(bytes(raw))
    decision = gate(client, tampered)
    assert decision["decision"] == "red" and _codes(decision) == ["signature_invalid"]
    assert "signature invalid" in decision["reasons"][0]["message"]
    # the real QR still works: a refused copy does not use it up
    assert gate(client, out["qr_payload"])["decision"] == "green"
    rows = session.scalars(select(GateDecision).where(GateDecision.declaration_id.is_(None))).all()
    assert any(r.reasons[0]["code"] == "signature_invalid" for r in rows)


def test_changed_character_is_refused(client: TestClient) -> None:
    out = declare(client, body())
    p = out["qr_payload"]
    i = len(p) // 2
    changed = p[:i] + ("A" if p[i] != "A" else "B") + p[i + 1:]
    decision = gate(client, changed)
    assert decision["decision"] == "red" and _codes(decision) == ["signature_invalid"]


def test_forged_with_another_key_is_refused(client: TestClient) -> None:
    out = declare(client, body())
    forger = Ed25519PrivateKey.generate()
    # the forger clears the reasons and raises nothing; its key was never published
    forged = _resign(out["qr_payload"], lambda c: c.update(r=[]), forger)
    decision = gate(client, forged)
    assert _codes(decision) == ["signature_invalid"]
    # even claiming the platform's key id, the signature does not verify
    raw = bytearray(codec.b45decode(forged[len(codec.PREFIX):]))
    raw[1:9] = bytes.fromhex(keys.load().active_kid)
    decision = gate(client, codec.PREFIX + codec.b45encode(bytes(raw)))
    assert _codes(decision) == ["signature_invalid"]


@pytest.mark.parametrize("cut", [1, 2, 10, 60])
def test_truncated_is_refused(client: TestClient, cut: int) -> None:
    out = declare(client, body())
    decision = gate(client, out["qr_payload"][:-cut])
    assert decision["decision"] == "red" and _codes(decision) == ["signature_invalid"]


@pytest.mark.parametrize("payload", ["", "hello", "SCT1:", "SCT1:%%%%", "SCT1:" + "0" * 3000])
def test_garbage_is_refused(client: TestClient, payload: str) -> None:
    r = client.post("/api/v1/gate-decisions", json={"qr_payload": payload, "passport_number": "X",
                                                     "face_match": True})
    if payload:
        assert r.status_code == 200 and r.json()["decision"] == "red"
        assert _codes(r.json()) == ["signature_invalid"]
    else:
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "qr_payload"


def test_expired_is_refused(client: TestClient, session: Session) -> None:
    out = declare(client, body(arrival_date=days_ago(3)))
    # filed after arrival: valid two days from filing, not born expired
    assert gate(client, out["qr_payload"])["decision"] == "green"
    late = declare(client, body(arrival_date=days_ago(1), passport_number="TR7654321"))
    expiry = datetime.fromisoformat(late["expires_at"])
    assert expiry.astimezone(ZoneInfo("Asia/Tokyo")).date() == date.fromisoformat(days_ago(1)) + timedelta(days=3)
    after = travellers_gate.decide(session, late["qr_payload"], "TR7654321", True, "G-test",
                                   now=expiry + timedelta(seconds=1))
    assert after.decision == "red" and [r["code"] for r in after.reasons] == ["expired"]


def test_declaration_for_a_later_arrival_is_refused_until_its_day(client: TestClient, session: Session) -> None:
    jst = ZoneInfo("Asia/Tokyo")
    today = datetime.now(jst).date()
    later = declare(client, body(arrival_date=(today + timedelta(days=5)).isoformat()))
    early = gate(client, later["qr_payload"])
    assert early["decision"] == "red" and _codes(early) == ["not_yet_valid"]
    assert str(today + timedelta(days=5)) in early["reasons"][0]["message"]
    # refused early, not used up: on the day of arrival the same QR passes
    on_the_day = datetime.combine(today + timedelta(days=5), datetime.min.time(), jst) + timedelta(hours=9)
    decided = travellers_gate.decide(session, later["qr_payload"], "TR1234567", True, "G-test", now=on_the_day)
    assert decided.decision == "green", decided.reasons
    # one day of slack: filed for tomorrow, presented today
    tomorrow = declare(client, body(arrival_date=(today + timedelta(days=1)).isoformat(),
                                    passport_number="TR7654321"))
    assert gate(client, tomorrow["qr_payload"], passport="TR7654321")["decision"] == "green"


def test_early_slack_turns_at_midnight_japan_time_not_utc(client: TestClient, session: Session) -> None:
    jst = ZoneInfo("Asia/Tokyo")
    arrival = datetime.now(jst).date() + timedelta(days=4)
    out = declare(client, body(arrival_date=arrival.isoformat()))
    # Midnight in Japan starting the day before arrival is 15:00 UTC two days before it: the UTC date is still
    # "too early", the Japanese date is not.
    midnight = datetime.combine(arrival - timedelta(days=1), datetime.min.time(), jst)
    before = travellers_gate.decide(session, out["qr_payload"], "TR1234567", True, "G-1",
                                    now=midnight - timedelta(seconds=1))
    assert before.decision == "red" and [r["code"] for r in before.reasons] == ["not_yet_valid"]
    at = travellers_gate.decide(session, out["qr_payload"], "TR1234567", True, "G-1",
                                now=midnight.astimezone(ZoneInfo("UTC")))
    assert at.decision == "green", at.reasons


def test_random_selection_is_seeded(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMARTCUSTOMS_TRAVELLER_RANDOM_RATE", "1")
    out = declare(client, body())
    decision = gate(client, out["qr_payload"])
    assert decision["decision"] == "red" and _codes(decision) == ["random_selection"]
    from decimal import Decimal

    ids = [service.new_id() for _ in range(2000)]
    share = sum(service.randomly_selected(i, Decimal("0.1")) for i in ids) / len(ids)
    assert 0.06 < share < 0.14
    assert all(service.randomly_selected(i, Decimal("0.1")) == service.randomly_selected(i, Decimal("0.1"))
               for i in ids[:50])


def test_watch_list_hit_is_sent_to_counter_without_telling_the_traveller(client: TestClient,
                                                                        session: Session) -> None:
    out = declare(client, body())
    d = session.get(PassengerDeclaration, out["id"])
    assert d is not None and d.screening is not None
    d.watchlist_hit = True  # as if screening had matched at declaration time
    session.flush()
    assert "watch_list" not in out["counter_reasons"]
    decision = gate(client, out["qr_payload"])
    assert decision["decision"] == "red" and _codes(decision) == ["watch_list"]
    session.refresh(d)
    assert d.status == "counter"


def test_one_green_when_presented_at_two_gates_at_once(new_database_url: Callable[[], str]) -> None:
    engine = make_engine(new_database_url())
    migrate.upgrade(engine)
    with Session(engine) as s:
        decls = [service.declare(s, PassengerDeclarationIn.model_validate(body(passport_number=f"TWO{i:06d}")))
                 for i in range(8)]
        s.commit()
        jobs = [(d.qr_payload, d.passport_number) for d in decls]
    results: list[tuple[int, str]] = []
    lock = threading.Lock()
    with serve(engine) as base:
        barrier = threading.Barrier(len(jobs) * 3)

        def present(i: int, payload: str, passport: str, gate_no: int) -> None:
            with httpx.Client(base_url=base, timeout=30) as c:
                barrier.wait()
                r = c.post("/api/v1/gate-decisions", json={"qr_payload": payload, "passport_number": passport,
                                                            "face_match": True}, headers={"X-Gate-Id": f"G{gate_no}"})
                with lock:
                    results.append((i, r.json()["decision"]))

        threads = [threading.Thread(target=present, args=(i, p, pp, g)) for i, (p, pp) in enumerate(jobs)
                   for g in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    for i in range(len(jobs)):
        decisions = sorted(d for j, d in results if j == i)
        assert decisions == ["green", "red", "red"], decisions
    with Session(engine) as s:
        assert len(s.scalars(select(GateDecision)).all()) == len(jobs) * 3
    engine.dispose()
