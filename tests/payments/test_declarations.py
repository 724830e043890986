"""Import declarations with duty and tax due wait in awaiting_payment; the agent's paid callback releases them."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from smartcustoms.audit import service as audit
from smartcustoms.declarations import flows, service
from smartcustoms.declarations.schemas import ImportDeclarationIn
from smartcustoms.errors import Conflict
from smartcustoms.payments import service as payments
from smartcustoms.risk import service as risk
from tests.declarations.helpers import auth, body, line
from tests.payments.helpers import deliver, event, pay_declaration

URL = "/api/v1/import-declarations"


def _lodge(session: Session, trader: Any, b: dict[str, Any]) -> Any:
    return flows.lodge(session, ImportDeclarationIn.model_validate(b), trader)


def _decide(session: Session, did: str, action: str, **kw: Any) -> Any:
    return service.decide(session, did, action=action, reason=kw.pop("reason", "checked"), officer="tanaka",
                          role=kw.pop("role", "officer"), **kw)


def test_lane1_with_tax_waits_for_payment_and_payment_releases_it(session: Session, make_trader: Any) -> None:
    trader, _ = make_trader()
    d = _lodge(session, trader, body())
    assert d.lane == 1 and d.total_jpy > 0 and d.status == "awaiting_payment"
    [order] = payments.orders_for(session, "import", d.id)
    assert (order.status, order.amount_jpy, order.payer_name) == ("open", d.total_jpy, d.importer_name)
    assert pay_declaration(session, d.id)["outcome"] == "applied"
    assert service.get(session, d.id).status == "released"
    steps = [(h.action, h.from_status, h.to_status, h.actor) for h in service.history(session, d.id)]
    assert steps[-1] == ("paid", "awaiting_payment", "released", "payment-agent")
    assert [e.action for e in audit.history(session, "import_declaration", d.id)][-1] == "import_declaration.paid"


def test_duplicate_paid_callback_releases_once(session: Session, make_trader: Any) -> None:
    trader, _ = make_trader()
    d = _lodge(session, trader, body())
    [order] = payments.orders_for(session, "import", d.id)
    ev = event(order.id, "paid", order.amount_jpy)
    deliver(session, ev)
    assert deliver(session, ev)["duplicate"] is True
    assert [h.action for h in service.history(session, d.id)].count("paid") == 1


def test_wrong_amount_leaves_it_awaiting_payment(session: Session, make_trader: Any) -> None:
    trader, _ = make_trader()
    d = _lodge(session, trader, body())
    [order] = payments.orders_for(session, "import", d.id)
    assert deliver(session, event(order.id, "paid", order.amount_jpy - 1))["outcome"] == "discrepancy"
    assert service.get(session, d.id).status == "awaiting_payment"


def test_nothing_due_is_released_at_once(session: Session, make_trader: Any) -> None:
    trader, _ = make_trader()
    d = _lodge(session, trader, body(line(customs_value="5000")))  # under the ¥10,000 exemption
    assert d.total_jpy == 0 and d.status == "released"
    assert payments.orders_for(session, "import", d.id) == []


def test_aeo_importer_defers_payment(session: Session, make_trader: Any) -> None:
    trader, _ = make_trader(code="IMP-AEO", aeo=True)
    d = _lodge(session, trader, body(importer={"code": "IMP-AEO", "name": "AEO Importer K.K.", "country": "JP"}))
    assert d.aeo_importer and d.total_jpy > 0
    if d.lane == 1:
        assert d.status == "released"
    else:
        assert _decide(session, d.id, "release", inspection_result="no_discrepancy").status == "released"
    assert payments.orders_for(session, "import", d.id) == []
    assert "deferred payment" in service.history(session, d.id)[-1].reason


def test_officer_release_hold_and_reject(session: Session, make_trader: Any) -> None:
    risk.create_profile(session, risk.ProfileSpec("docs", 2, "value check", min_value_jpy=100_000), "test")
    trader, _ = make_trader()
    d = _lodge(session, trader, body())
    assert d.status == "under_review"
    assert _decide(session, d.id, "release").status == "awaiting_payment"
    with pytest.raises(Conflict):
        _decide(session, d.id, "release")  # release from awaiting_payment is the payment's job
    with pytest.raises(Conflict):
        _decide(session, d.id, "reroute", new_lane=3, role="supervisor")
    assert _decide(session, d.id, "hold", reason="query on origin").status == "held"
    # released again: the same open order is reused, not a second one
    assert _decide(session, d.id, "release").status == "awaiting_payment"
    assert len(payments.orders_for(session, "import", d.id)) == 1
    assert _decide(session, d.id, "reject", reason="wrong importer").status == "rejected"
    [order] = payments.orders_for(session, "import", d.id)
    assert order.status == "cancelled"


def test_paid_while_held_is_kept_and_released_later_without_new_order(session: Session, make_trader: Any) -> None:
    risk.create_profile(session, risk.ProfileSpec("docs", 2, "value check", min_value_jpy=100_000), "test")
    trader, _ = make_trader()
    d = _lodge(session, trader, body())
    _decide(session, d.id, "release")
    _decide(session, d.id, "hold", reason="query")
    pay_declaration(session, d.id)
    assert service.get(session, d.id).status == "held"
    [order] = payments.orders_for(session, "import", d.id)
    assert "payment_order.paid_not_released" in [e.action for e in audit.history(session, "payment_order", order.id)]
    assert _decide(session, d.id, "release").status == "released"  # already paid
    assert "already paid" in service.history(session, d.id)[-1].reason


def test_trader_api_shows_the_payment_order(client: TestClient, make_trader: Any, session: Session) -> None:
    _, key = make_trader()
    d = client.post(URL, json=body(), headers=auth(key)).json()
    assert d["status"] == "awaiting_payment"
    p = d["payment"]
    assert p["status"] == "open" and p["amount_jpy"] == d["assessment"]["total_jpy"] and p["pay_url"].endswith(p["id"])
    pay_declaration(session, d["id"])
    again = client.get(f"{URL}/{d['id']}", headers=auth(key)).json()
    assert again["status"] == "released" and again["payment"]["status"] == "paid"
    assert client.get(URL, params={"status": "awaiting_payment"}, headers=auth(key)).json() == []


def test_officer_api_shows_the_payment_order(client: TestClient, make_trader: Any, session: Session) -> None:
    import base64

    from smartcustoms.identity import service as identity

    identity.create_officer(session, "ueda", "counter-pass-2026", "officer", actor="test")
    _, key = make_trader()
    d = client.post(URL, json=body(), headers=auth(key)).json()
    basic = {"Authorization": "Basic " + base64.b64encode(b"ueda:counter-pass-2026").decode()}
    seen = client.get(f"/api/v1/officer/import-declarations/{d['id']}", headers=basic).json()
    assert seen["payment"]["id"] == d["payment"]["id"] and seen["payment"]["status"] == "open"


def test_order_a_declaration_waits_for_cannot_be_cancelled_on_its_own(session: Session, make_trader: Any) -> None:
    """Cancelling it would strand the declaration in awaiting_payment with nothing to pay; reject it instead."""
    trader, _ = make_trader()
    d = _lodge(session, trader, body())
    [order] = payments.orders_for(session, "import", d.id)
    with pytest.raises(Conflict) as exc:
        payments.cancel_order(session, order.id, actor="officer:tanaka", reason="tidy up")
    assert exc.value.errors[0].code == "reference_awaits_payment"
    assert order.status == "open"
    _decide(session, d.id, "reject", reason="goods not as declared")
    assert (service.get(session, d.id).status, order.status) == ("rejected", "cancelled")


def test_rejecting_with_a_reason_of_the_full_length_cancels_the_order(session: Session, make_trader: Any) -> None:
    """The order's cancel reason adds a prefix to the officer's reason: 1,000 characters must not make it too long."""
    trader, _ = make_trader()
    d = _lodge(session, trader, body())
    [order] = payments.orders_for(session, "import", d.id)
    _decide(session, d.id, "reject", reason="x" * 999 + "\u0007")
    assert (service.get(session, d.id).status, order.status) == ("rejected", "cancelled")
