"""The counter in the officer console: find, adjust after inspection (audited), issue a payment order, settle."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcustoms.audit.models import AuditEntry
from smartcustoms.identity import service as identity
from smartcustoms.payments import service as payments
from smartcustoms.travellers.models import PassengerDeclaration
from tests.payments.helpers import deliver, event
from tests.travellers.helpers import body, over_body
from tests.travellers.test_api import declare

PASSWORD = "counter-pass-2026"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def login(client: TestClient, session: Session) -> str:
    identity.create_officer(session, "sato", PASSWORD, "officer", actor="test")
    page = client.get("/console/login")
    token = _CSRF.search(page.text).group(1)  # type: ignore[union-attr]
    r = client.post("/console/login", data={"username": "sato", "password": PASSWORD, "csrf_token": token,
                                            "next": "/console/travellers"}, follow_redirects=False)
    assert r.status_code == 303
    return _CSRF.search(client.get("/console/travellers").text).group(1)  # type: ignore[union-attr]


def stored(session: Session, did: str) -> PassengerDeclaration:
    d = session.get(PassengerDeclaration, did)
    assert d is not None
    session.refresh(d)
    return d


def adjust_form(token: str, **kw: Any) -> dict[str, str]:
    form = {"csrf_token": token, "alc_other": "2", "og0_description": "Watch", "og0_value": "250000",
            "og0_quantity": "1", "og0_currency": "JPY", "og1_description": "Bag", "og1_value": "300000",
            "og1_currency": "JPY", "reason": "second watch found in the bag"}
    form.update(kw)
    return form


def test_console_needs_login(client: TestClient) -> None:
    r = client.get("/console/travellers", follow_redirects=False)
    assert r.status_code == 303 and "/console/login" in r.headers["location"]


def test_find_by_id_passport_and_qr(client: TestClient, session: Session) -> None:
    out = declare(client, body(passport_number="FIND12345"))
    login(client, session)
    for q in (out["id"], out["id"].lower(), "FIND12345", out["qr_payload"]):
        r = client.get("/console/travellers", params={"q": q}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].endswith(out["id"]), q
    page = client.get(f"/console/travellers/{out['id']}")
    assert page.status_code == 200 and "Yamada" in page.text
    assert client.get("/console/travellers", params={"q": "NOPE0000"}).status_code == 200


def test_adjust_then_pay_then_settled(client: TestClient, session: Session) -> None:
    out = declare(client, body())
    assert out["estimated_tax_jpy"] == 0
    token = login(client, session)
    r = client.post(f"/console/travellers/{out['id']}/adjust", data=adjust_form(token), follow_redirects=False)
    assert r.status_code == 303, r.text
    d = stored(session, out["id"])
    assert d.adjustment is not None and d.final_tax_jpy is not None and d.final_tax_jpy > 0
    assert d.adjustment["reason"] == "second watch found in the bag" and d.adjustment["officer"] == "sato"
    # both articles over ¥200,000 are taxed whole; the traveller's own declaration is kept beside it
    assert d.adjustment["assessment"]["other_goods"]["taxed_jpy"] == 550_000
    assert d.estimated_tax_jpy == 0
    actions = session.scalars(select(AuditEntry.action).where(AuditEntry.entity_id == d.id)).all()
    assert "passenger_declaration.adjusted" in actions

    r = client.post(f"/console/travellers/{d.id}/payment-order", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303, r.text
    d = stored(session, out["id"])
    assert d.status == "awaiting_payment" and d.payment_order_id
    order = payments.get_order(session, d.payment_order_id)
    assert order.amount_jpy == d.final_tax_jpy and order.kind == "passenger" and order.reference == d.id
    # a second click issues nothing new
    again = client.post(f"/console/travellers/{d.id}/payment-order", data={"csrf_token": token})
    assert again.status_code == 409
    assert len(payments.orders_for(session, "passenger", d.id)) == 1

    deliver(session, event(order.id, "paid", order.amount_jpy))
    d = stored(session, out["id"])
    assert d.status == "settled" and d.payment_status == "paid" and d.settled_at is not None
    page = client.get(f"/console/travellers/{d.id}")
    assert 'data-status="settled"' in page.text


def test_adjust_refuses_bad_goods_and_missing_reason(client: TestClient, session: Session) -> None:
    out = declare(client, over_body())
    token = login(client, session)
    r = client.post(f"/console/travellers/{out['id']}/adjust", data=adjust_form(token, og0_value="-5"))
    assert r.status_code == 422 and "other_goods[0]" in r.text
    r = client.post(f"/console/travellers/{out['id']}/adjust", data=adjust_form(token, reason=" "))
    assert r.status_code == 422 and "reason" in r.text
    assert stored(session, out["id"]).adjustment is None


def test_release_when_nothing_due(client: TestClient, session: Session) -> None:
    out = declare(client, body())
    token = login(client, session)
    r = client.post(f"/console/travellers/{out['id']}/payment-order", data={"csrf_token": token})
    assert r.status_code == 409
    r = client.post(f"/console/travellers/{out['id']}/release", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303 and stored(session, out["id"]).status == "released"


def test_forms_need_csrf(client: TestClient, session: Session) -> None:
    out = declare(client, body())
    login(client, session)
    r = client.post(f"/console/travellers/{out['id']}/release", data={"csrf_token": "forged"})
    assert r.status_code == 403 and stored(session, out["id"]).status == "declared"


def test_counter_page_in_japanese(client: TestClient, session: Session) -> None:
    out = declare(client, over_body())
    login(client, session)
    page = client.get(f"/console/travellers/{out['id']}?lang=ja")
    assert "免税範囲" in page.text and "旅具通関" in page.text
