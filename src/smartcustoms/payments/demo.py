"""Demo data for payments and means of payment: one import declaration paid through a signed sandbox callback,
a wrong-amount callback kept as a discrepancy, and a few means-of-payment declarations with flags."""

from __future__ import annotations

import json
import time
import uuid
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcustoms.db import utcnow
from smartcustoms.meansofpayment import service as mop
from smartcustoms.meansofpayment.schemas import MeansOfPaymentIn
from smartcustoms.payments import protocol, service
from smartcustoms.payments.config import get_payment_settings
from smartcustoms.payments.models import PaymentOrder


def _callback(session: Session, order: PaymentOrder, type_: str, amount: int) -> None:
    """What the sandbox agent would send, signed with the configured secret."""
    body = {"event_id": f"demo-{uuid.uuid4().hex}", "order_id": order.id, "type": type_, "amount_jpy": amount,
            "settled_at": utcnow().isoformat(), "transaction_id": f"SBX-DEMO-{uuid.uuid4().hex[:10].upper()}"}
    raw = json.dumps(body).encode()
    stamp = str(int(time.time()))
    service.handle_callback(session, raw, stamp, protocol.sign(get_payment_settings().payment_agent_secret, stamp,
                                                               raw))


def seed(session: Session) -> None:
    """Seed after the demo declarations were lodged (the caller owns the transaction)."""
    orders = list(session.scalars(select(PaymentOrder).where(PaymentOrder.kind == "import", PaymentOrder.status ==
                                                             protocol.OPEN).order_by(PaymentOrder.created_at)))
    if orders:
        _callback(session, orders[0], "paid", orders[0].amount_jpy)  # releases its declaration
    if len(orders) > 1:
        _callback(session, orders[1], "paid", orders[1].amount_jpy - 100)  # kept as a discrepancy
    today = mop.today_jst()
    base = {"family_name": "Demo", "given_name": "Traveller", "nationality": "US", "passport_number": "DM1000001",
            "date_of_birth": "1975-07-07", "direction": "arrival", "flight": "UA837", "origin_country": "US",
            "destination_country": "JP"}
    filings = [
        {**base, "travel_date": (today - timedelta(days=40)).isoformat(),
         "items": [{"kind": "cash", "currency": "JPY", "amount": "950000"}]},
        {**base, "travel_date": (today - timedelta(days=10)).isoformat(),
         "items": [{"kind": "cash", "currency": "JPY", "amount": "980000"}]},
        {**base, "passport_number": "DM2000002", "family_name": "Sample", "nationality": "GB", "flight": "BA5",
         "origin_country": "GB", "items": [{"kind": "cash", "currency": "USD", "amount": "12000"},
                                           {"kind": "gold_bullion", "weight_g": "1000", "purity": "0.9999"}]},
        {**base, "passport_number": "DM3000003", "family_name": "Route", "nationality": "IR", "flight": "EK318",
         "origin_country": "IR", "items": [{"kind": "security", "currency": "JPY", "amount": "2500000"}]},
    ]
    for f in filings:
        mop.file(session, MeansOfPaymentIn.model_validate(f))
