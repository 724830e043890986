"""The agent-facing callback endpoint and the officers' order API over HTTP."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smartcustoms.audit.models import AuditEntry
from smartcustoms.identity import service as identity
from smartcustoms.payments import protocol
from smartcustoms.payments.config import get_payment_settings
from smartcustoms.payments.models import PaymentEvent, RefundRequest
from tests.payments.helpers import event, new_order, signed

CALLBACKS = "/api/v1/payments/callbacks"
ORDERS = "/api/v1/officer/payment-orders"


def _events(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(PaymentEvent)) or 0


def _officer(session: Session, role: str = "supervisor") -> dict[str, str]:
    identity.create_officer(session, "kato", "counter-pass-2026", role, actor="test")
    token = base64.b64encode(b"kato:counter-pass-2026").decode()
    return {"Authorization": f"Basic {token}"}


def test_signed_callback_pays_and_duplicate_returns_200(client: TestClient, session: Session) -> None:
    order = new_order(session, amount=4_000)
    raw, headers = signed(event(order.id, amount=4_000))
    first = client.post(CALLBACKS, content=raw, headers=headers)
    assert first.status_code == 200 and first.json()["outcome"] == "applied"
    again = client.post(CALLBACKS, content=raw, headers=headers)
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert order.status == "paid"
    assert session.scalar(select(func.count()).select_from(PaymentEvent)
                          .where(PaymentEvent.order_id == order.id)) == 1


def _audits(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(AuditEntry)) or 0


@pytest.mark.parametrize("tamper", ["secret", "body", "no_signature", "no_timestamp", "old_timestamp",
                                    "future_timestamp", "non_ascii_signature", "latin1_signature",
                                    "unicode_digit_timestamp", "other_orders_body", "timestamp_not_signed"])
def test_bad_signature_is_401_and_changes_nothing(client: TestClient, session: Session, tamper: str) -> None:
    order = new_order(session)
    other = new_order(session, amount=99)
    body = event(order.id)
    raw, headers = signed(body, secret="wrong") if tamper == "secret" else signed(body)
    send: dict[str, str | bytes] = dict(headers)
    if tamper == "body":
        raw = json.dumps({**body, "amount_jpy": 1}).encode()
    if tamper == "no_signature":
        send.pop(protocol.SIGNATURE_HEADER)
    if tamper == "no_timestamp":
        send.pop(protocol.TIMESTAMP_HEADER)
    if tamper == "old_timestamp":
        raw, send = signed(body, ts=int(time.time()) - protocol.MAX_SKEW_S - 60)  # type: ignore[assignment]
    if tamper == "future_timestamp":
        raw, send = signed(body, ts=int(time.time()) + protocol.MAX_SKEW_S + 60)  # type: ignore[assignment]
    if tamper == "non_ascii_signature":  # was a TypeError in compare_digest: 500
        send[protocol.SIGNATURE_HEADER] = "sha256=ü".encode()
    if tamper == "latin1_signature":
        send[protocol.SIGNATURE_HEADER] = b"sha256=\xff" + b"0" * 63
    if tamper == "unicode_digit_timestamp":
        send[protocol.TIMESTAMP_HEADER] = "１７９５３３００００".encode()
    if tamper == "other_orders_body":  # a signature taken from another order's callback, replayed on this body
        _, theirs = signed(event(other.id, amount=99))
        send[protocol.SIGNATURE_HEADER] = theirs[protocol.SIGNATURE_HEADER]
    if tamper == "timestamp_not_signed":  # the signature of the body alone (without the timestamp) is refused
        send[protocol.SIGNATURE_HEADER] = "sha256=" + hmac.new(
            get_payment_settings().payment_agent_secret.encode(), raw, hashlib.sha256).hexdigest()
    before, audits = _events(session), _audits(session)
    r = client.post(CALLBACKS, content=raw, headers=send)
    assert r.status_code == 401, r.text
    field = protocol.TIMESTAMP_HEADER if tamper in ("no_timestamp", "old_timestamp", "future_timestamp",
                                                    "unicode_digit_timestamp") else protocol.SIGNATURE_HEADER
    assert r.json()["errors"][0]["field"] == field
    assert _events(session) == before and _audits(session) == audits
    session.refresh(order)
    assert order.status == "open" and order.paid_amount_jpy is None


@pytest.mark.parametrize(("change", "field"), [
    ({"type": "chargeback"}, "type"), ({"amount_jpy": -1}, "amount_jpy"), ({"amount_jpy": "100"}, "amount_jpy"),
    ({"settled_at": "2026-11-22T10:00:00"}, "settled_at"), ({"event_id": ""}, "event_id"),
])
def test_malformed_signed_callback_is_422_naming_the_field(client: TestClient, session: Session,
                                                           change: dict[str, object], field: str) -> None:
    order = new_order(session)
    raw, headers = signed({**event(order.id), **change})
    r = client.post(CALLBACKS, content=raw, headers=headers)
    assert r.status_code == 422 and field in [e["field"] for e in r.json()["errors"]]
    assert order.status == "open"


def test_not_json_is_refused(client: TestClient) -> None:
    raw = b"not json"
    _, headers = signed({})
    headers[protocol.SIGNATURE_HEADER] = protocol.sign("sandbox-agent-secret", headers[protocol.TIMESTAMP_HEADER], raw)
    r = client.post(CALLBACKS, content=raw, headers=headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body"


def test_pay_view_for_the_agent(client: TestClient, session: Session) -> None:
    order = new_order(session, amount=777, reference="PD-77")
    r = client.get(f"/api/v1/payments/orders/{order.id}/pay-view")
    assert r.status_code == 200 and r.json()["amount_jpy"] == 777 and r.json()["reference"] == "PD-77"
    assert client.get("/api/v1/payments/orders/nope/pay-view").status_code == 404


def test_officer_cancel_and_refund(client: TestClient, session: Session) -> None:
    auth = _officer(session)
    assert client.get(ORDERS).status_code == 401
    order = new_order(session, amount=9_000)
    listed = client.get(ORDERS, params={"status": "open"}, headers=auth)
    assert order.id in [o["id"] for o in listed.json()]
    assert client.get(ORDERS, params={"status": "bogus"}, headers=auth).status_code == 422
    r = client.post(f"{ORDERS}/{order.id}/refunds", json={"reason": "x"}, headers=auth)
    assert r.status_code == 409  # nothing paid
    assert client.post(f"{ORDERS}/{order.id}/cancel", json={"reason": ""}, headers=auth).status_code == 422
    assert client.post(f"{ORDERS}/{order.id}/cancel", json={"reason": "left"}, headers=auth).json()["status"] == \
        "cancelled"
    paid = new_order(session, amount=9_000)
    raw, headers = signed(event(paid.id, amount=9_000))
    client.post(CALLBACKS, content=raw, headers=headers)
    bad = client.post(f"{ORDERS}/{paid.id}/refunds", json={"reason": "r", "amount_jpy": 9_001}, headers=auth)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "amount_jpy"
    r = client.post(f"{ORDERS}/{paid.id}/refunds", json={"reason": "overpaid", "amount_jpy": 1_000}, headers=auth)
    assert r.status_code == 202
    # no agent listens in this test: the request waits as `requested` for `smartcustoms payments send-refunds`
    assert r.json()["status"] == "requested" and r.json()["agent_problem"]
    refund = session.get(RefundRequest, r.json()["refund_id"])
    assert refund is not None and refund.amount_jpy == 1_000
    raw, headers = signed(event(paid.id, "refunded", 1_000, refund_id=refund.id))
    client.post(CALLBACKS, content=raw, headers=headers)
    detail = client.get(f"{ORDERS}/{paid.id}", headers=auth).json()
    assert detail["refunded_amount_jpy"] == 1_000 and detail["status"] == "paid"
    assert [e["type"] for e in detail["events"]] == ["paid", "refunded"]


def test_refund_arriving_before_payment_is_parked_then_applied(client: TestClient, session: Session) -> None:
    order = new_order(session, amount=5_000)
    raw, headers = signed(event(order.id, "refunded", 5_000))
    assert client.post(CALLBACKS, content=raw, headers=headers).json()["outcome"] == "parked"
    assert order.status == "open"
    raw, headers = signed(event(order.id, "paid", 5_000))
    assert client.post(CALLBACKS, content=raw, headers=headers).json()["order_status"] == "refunded"
    assert (order.paid_amount_jpy, order.refunded_amount_jpy) == (5_000, 5_000)


def test_refund_accepted_by_the_agent_is_audited(client: TestClient, session: Session,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from smartcustoms.audit import service as audit
    from smartcustoms.payments import agent_client
    from tests.payments.helpers import deliver

    auth = _officer(session)
    order = new_order(session, amount=3_000)
    deliver(session, event(order.id, amount=3_000))
    session.commit()
    monkeypatch.setattr(agent_client, "send_refund", lambda message: None)
    r = client.post(f"{ORDERS}/{order.id}/refunds", json={"reason": "overpaid", "amount_jpy": 500}, headers=auth)
    assert r.status_code == 202 and r.json()["status"] == "sent"
    actions = [e.action for e in audit.history(session, "payment_order", order.id)]
    assert actions[-2:] == ["payment_order.refund_requested", "payment_order.refund_sent"]


def test_an_integrity_error_that_is_not_a_duplicate_is_not_answered_as_one(
        app: object, session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    """If the commit fails for another reason the agent must retry: a 200 'duplicate' would lose the payment."""
    from sqlalchemy.exc import IntegrityError

    order = new_order(session, amount=1_200)
    session.commit()

    def failing_commit() -> None:
        raise IntegrityError("INSERT ...", {}, Exception("another constraint"))

    monkeypatch.setattr(session, "commit", failing_commit)
    raw, headers = signed(event(order.id, amount=1_200))
    with TestClient(app, raise_server_exceptions=False) as c:  # type: ignore[arg-type]
        r = c.post(CALLBACKS, content=raw, headers=headers)
    assert r.status_code == 500


def test_an_officer_cancels_but_only_a_supervisor_refunds_or_withdraws(client: TestClient, session: Session) -> None:
    identity.create_officer(session, "tanaka", "counter-pass-2026", "officer", actor="test")
    plain = {"Authorization": "Basic " + base64.b64encode(b"tanaka:counter-pass-2026").decode()}
    supervisor = _officer(session)
    paid, opened = new_order(session, amount=2_000), new_order(session, amount=2_000)
    raw, headers = signed(event(paid.id, amount=2_000))
    client.post(CALLBACKS, content=raw, headers=headers)
    r = client.post(f"{ORDERS}/{paid.id}/refunds", json={"reason": "overpaid"}, headers=plain)
    assert r.status_code == 403 and "supervisor" in r.json()["message"]
    assert session.query(RefundRequest).filter_by(order_id=paid.id).count() == 0
    assert client.post(f"{ORDERS}/{opened.id}/cancel", json={"reason": "left"}, headers=plain).status_code == 200
    # No agent listens: the request stays `requested`; the supervisor withdraws it, an officer cannot.
    r = client.post(f"{ORDERS}/{paid.id}/refunds", json={"reason": "overpaid"}, headers=supervisor)
    refund_id = r.json()["refund_id"]
    assert r.json()["status"] == "requested"
    url = f"{ORDERS}/{paid.id}/refunds/{refund_id}/withdraw"
    assert client.post(url, json={"reason": "paid back in cash"}, headers=plain).status_code == 403
    assert client.post(url, json={"reason": ""}, headers=supervisor).status_code == 422
    r = client.post(url, json={"reason": "paid back in cash"}, headers=supervisor)
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"
    assert client.post(url, json={"reason": "again"}, headers=supervisor).status_code == 409
