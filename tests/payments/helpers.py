"""Signing and sending agent callbacks the way a payment agent does."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from smartcustoms.payments import protocol, service
from smartcustoms.payments.config import get_payment_settings
from smartcustoms.payments.models import PaymentOrder


def new_order(session: Session, amount: int = 12_300, kind: str = "passenger", reference: str | None = None,
              **kw: Any) -> PaymentOrder:
    return service.create_order(session, kind=kind, reference=reference or f"REF-{uuid.uuid4().hex[:8]}",
                                amount_jpy=amount, due_date=date.today() + timedelta(days=7),
                                payer_name="Yamada Taro", actor="officer:test", **kw)


def event(order_id: str, type_: str = "paid", amount: int = 12_300, **kw: Any) -> dict[str, Any]:
    return {"event_id": kw.pop("event_id", f"ev-{uuid.uuid4().hex}"), "order_id": order_id, "type": type_,
            "amount_jpy": amount, "settled_at": kw.pop("settled_at", datetime.now(UTC).isoformat()),
            "transaction_id": kw.pop("transaction_id", f"tx-{uuid.uuid4().hex[:12]}"), **kw}


def signed(body: dict[str, Any], secret: str | None = None, ts: int | None = None) -> tuple[bytes, dict[str, str]]:
    raw = json.dumps(body).encode()
    stamp = str(int(time.time()) if ts is None else ts)
    key = get_payment_settings().payment_agent_secret if secret is None else secret
    return raw, {"Content-Type": "application/json", protocol.TIMESTAMP_HEADER: stamp,
                 protocol.SIGNATURE_HEADER: protocol.sign(key, stamp, raw)}


def deliver(session: Session, body: dict[str, Any], **kw: Any) -> dict[str, Any]:
    raw, headers = signed(body, **kw)
    return service.handle_callback(session, raw, headers[protocol.TIMESTAMP_HEADER],
                                   headers[protocol.SIGNATURE_HEADER])


def pay_declaration(session: Session, declaration_id: str) -> dict[str, Any]:
    """The agent reports payment of an import declaration's open order (exact amount)."""
    order = next(o for o in service.orders_for(session, "import", declaration_id) if o.status == "open")
    return deliver(session, event(order.id, "paid", order.amount_jpy))
