"""Talking to the payment agent over HTTP: signed refund requests (the same HMAC scheme as callbacks)."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcustoms.payments import protocol
from smartcustoms.payments.config import get_payment_settings
from smartcustoms.payments.models import PaymentOrder, RefundRequest


def signed_post(url: str, secret: str, body: dict[str, Any], timeout: float = 5.0) -> httpx.Response:
    """POST a JSON body with X-Timestamp and X-Signature (HMAC-SHA256 of `timestamp.body`)."""
    raw = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    stamp = str(int(time.time()))
    headers = {"Content-Type": "application/json", protocol.TIMESTAMP_HEADER: stamp,
               protocol.SIGNATURE_HEADER: protocol.sign(secret, stamp, raw)}
    return httpx.post(url, content=raw, headers=headers, timeout=timeout)


def send_refund(refund: RefundRequest, order: PaymentOrder) -> str | None:
    """Ask the agent to refund; None when it accepted, else why not (the request stays `requested`)."""
    settings = get_payment_settings()
    body = {"refund_id": refund.id, "order_id": order.id, "transaction_id": order.agent_transaction_id,
            "amount_jpy": refund.amount_jpy}
    try:
        r = signed_post(f"{settings.payment_agent_url.rstrip('/')}/api/refunds", settings.payment_agent_secret, body)
    except httpx.HTTPError as exc:
        return f"agent unreachable: {exc}"
    if r.status_code >= 300:
        return f"agent answered {r.status_code}: {r.text[:200]}"
    return None


def send_pending_refunds(session: Session, actor: str = "cli") -> list[tuple[str, str | None]]:
    """Send every refund still `requested`; marks the accepted ones `sent`. The caller commits."""
    from smartcustoms.payments import service  # service imports nothing from here; kept local all the same

    out: list[tuple[str, str | None]] = []
    for refund in session.scalars(select(RefundRequest).where(RefundRequest.status == "requested")
                                  .order_by(RefundRequest.requested_at)):
        order = session.get(PaymentOrder, refund.order_id)
        if order is None:
            continue
        problem = send_refund(refund, order)
        if problem is None:
            service.mark_refund_sent(session, refund, actor)
        out.append((refund.id, problem))
    return out
