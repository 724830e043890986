"""SANDBOX payment agent — no real money moves. A small separate ASGI app that plays a payment agent for demos.

It shows a pay page for an order (amount read from the platform), "settles" it when the payer presses the button,
and notifies the platform with signed callbacks (retried with back-off until the platform answers 200). It
accepts the platform's signed refund requests and answers with `refunded` callbacks, and writes its daily
settlement file for reconciliation. Options make it misbehave on purpose (each callback sent twice, paid
callbacks delayed so that a refund can overtake them) to show that the platform processes events exactly once.

Run: `smartcustoms payments sandbox-agent --platform-url http://127.0.0.1:8000 --secret S [--port 8700]`.
"""

from __future__ import annotations

import csv
import io
import json
import threading
import time
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from html import escape
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse

from smartcustoms.payments import protocol

JST = ZoneInfo("Asia/Tokyo")
SETTLEMENT_COLUMNS = ("transaction_id", "order_id", "type", "amount_jpy", "settled_at")
BANNER = {"en": "SANDBOX — no real money", "ja": "サンドボックス — 実際のお金は動きません"}
TEXT = {
    "en": {"title": "Pay duty and tax", "amount": "Amount", "reference": "Reference", "due": "Due date",
           "status": "Order status", "pay": "Pay (sandbox)", "fail": "Simulate a failed payment",
           "done": "Payment settled in the sandbox. The platform is being notified.",
           "failed": "Failed payment simulated; the platform is being notified.",
           "not_open": "This order cannot be paid: it is", "unknown": "The platform does not know this order.",
           "ledger": "Sandbox ledger"},
    "ja": {"title": "関税等の納付", "amount": "金額", "reference": "参照番号", "due": "納期限",
           "status": "状態", "pay": "納付する（サンドボックス）", "fail": "納付失敗を試す",
           "done": "サンドボックスで決済しました。プラットフォームに通知しています。",
           "failed": "納付失敗を送りました。プラットフォームに通知しています。",
           "not_open": "この納付書は納付できません。状態：", "unknown": "この納付書はプラットフォームにありません。",
           "ledger": "サンドボックス台帳"},
}


@dataclass
class Transaction:
    transaction_id: str
    order_id: str
    type: str  # paid | refunded | failed
    amount_jpy: int
    settled_at: str
    refund_id: str | None = None
    delivered: bool = False


class SandboxAgent:
    """The agent's state: its ledger (kept in a JSON-lines file when given) and its callback sender."""

    def __init__(self, platform_url: str, secret: str, *, ledger: Path | None = None, duplicates: bool = False,
                 delay_paid_s: float = 0.0, max_attempts: int = 8, backoff_s: float = 0.5) -> None:
        self.platform_url, self.secret, self.ledger_path = platform_url.rstrip("/"), secret, ledger
        self.duplicates, self.delay_paid_s = duplicates, delay_paid_s
        self.max_attempts, self.backoff_s = max_attempts, backoff_s
        self.lock = threading.Lock()
        self.transactions: list[Transaction] = []
        if ledger is not None and ledger.exists():
            for text in ledger.read_text(encoding="utf-8").splitlines():
                if text.strip():
                    self.transactions.append(Transaction(**json.loads(text)))

    def _record(self, tx: Transaction) -> None:
        with self.lock:
            self.transactions.append(tx)
            if self.ledger_path is not None:
                self.ledger_path.parent.mkdir(parents=True, exist_ok=True)
                with self.ledger_path.open("a", encoding="utf-8") as f:
                    f.write(json.dumps(asdict(tx)) + "\n")

    def settle(self, order_id: str, type_: str, amount_jpy: int, refund_id: str | None = None,
               wait: bool = False) -> Transaction:
        """Book a transaction and notify the platform (in the background unless wait)."""
        tx = Transaction(f"SBX-{uuid.uuid4().hex[:16].upper()}", order_id, type_, amount_jpy,
                         datetime.now(UTC).isoformat(), refund_id)
        self._record(tx)
        body = {"event_id": f"evt-{uuid.uuid4().hex}", "order_id": order_id, "type": type_,
                "amount_jpy": amount_jpy, "settled_at": tx.settled_at, "transaction_id": tx.transaction_id}
        if refund_id:
            body["refund_id"] = refund_id
        copies = 2 if self.duplicates else 1
        delay = self.delay_paid_s if type_ == "paid" else 0.0
        threads = [threading.Thread(target=self.notify, args=(body, delay), daemon=True) for _ in range(copies)]
        for t in threads:
            t.start()
        if wait:
            for t in threads:
                t.join()
        return tx

    def notify(self, body: dict[str, Any], delay_s: float = 0.0) -> bool:
        """Send one signed callback, retrying with back-off until the platform answers 200 (or a 4xx)."""
        if delay_s:
            time.sleep(delay_s)
        raw = json.dumps(body, separators=(",", ":")).encode("utf-8")
        for attempt in range(self.max_attempts):
            stamp = str(int(time.time()))  # re-signed each attempt: the timestamp must stay fresh
            headers = {"Content-Type": "application/json", protocol.TIMESTAMP_HEADER: stamp,
                       protocol.SIGNATURE_HEADER: protocol.sign(self.secret, stamp, raw)}
            try:
                r = httpx.post(f"{self.platform_url}/api/v1/payments/callbacks", content=raw, headers=headers,
                               timeout=10)
                if r.status_code == 200:
                    with self.lock:
                        for tx in self.transactions:
                            if tx.transaction_id == body["transaction_id"]:
                                tx.delivered = True
                    return True
                if 400 <= r.status_code < 500 and r.status_code not in (408, 429):
                    return False
            except httpx.HTTPError:
                pass
            time.sleep(self.backoff_s * (2**attempt))
        return False

    def settlement_rows(self, day: date) -> list[dict[str, Any]]:
        """The day's settled payments and refunds (Japanese calendar day), as the settlement file lists them."""
        with self.lock:
            txs = list(self.transactions)
        return [{k: getattr(tx, k) for k in SETTLEMENT_COLUMNS} for tx in txs
                if tx.type in ("paid", "refunded") and datetime.fromisoformat(tx.settled_at).astimezone(JST).date()
                == day]

    def settlement_csv(self, day: date) -> str:
        out = io.StringIO()
        w = csv.DictWriter(out, fieldnames=SETTLEMENT_COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows(self.settlement_rows(day))
        return out.getvalue()


def _page(lang: str, title: str, body: str) -> HTMLResponse:
    banner = escape(BANNER[lang])
    html = f"""<!doctype html><html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{escape(title)} · {banner}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:34rem;margin:0 auto;padding:1rem}}
.sandbox{{background:#b00020;color:#fff;font-weight:bold;padding:.6rem;text-align:center;border-radius:4px}}
dl{{display:grid;grid-template-columns:auto 1fr;gap:.3rem 1rem}}
button{{font-size:1.1rem;padding:.6rem 1rem;margin:.3rem 0;width:100%}}
.amount{{font-size:1.6rem;font-weight:bold}}</style></head><body>
<p class="sandbox" role="note" id="sandbox-banner">{banner}</p>
<p><a href="?lang=en" hreflang="en">English</a> · <a href="?lang=ja" hreflang="ja">日本語</a></p>
{body}<p class="sandbox">{banner}</p></body></html>"""
    return HTMLResponse(html, headers={"X-Sandbox": "no real money"})


def create_agent_app(agent: SandboxAgent) -> FastAPI:
    """The sandbox agent's web app."""
    app = FastAPI(title="SANDBOX payment agent (no real money)", docs_url=None, redoc_url=None)
    app.state.agent = agent

    def lang_of(request: Request) -> str:
        return "ja" if request.query_params.get("lang") == "ja" else "en"

    def fetch(order_id: str) -> dict[str, Any] | None:
        try:
            r = httpx.get(f"{agent.platform_url}/api/v1/payments/orders/{order_id}/pay-view", timeout=10)
        except httpx.HTTPError:
            return None
        return r.json() if r.status_code == 200 else None

    @app.get("/", response_class=HTMLResponse)
    def home(request: Request) -> HTMLResponse:
        lang = lang_of(request)
        with agent.lock:
            rows = "".join(f"<tr><td>{escape(t.transaction_id)}</td><td>{escape(t.type)}</td><td>{t.amount_jpy:,}</td>"
                           f"<td>{escape(t.order_id)}</td><td>{'✓' if t.delivered else '…'}</td></tr>"
                           for t in reversed(agent.transactions[-200:]))
        return _page(lang, TEXT[lang]["ledger"], f"<h1>{TEXT[lang]['ledger']}</h1><table>{rows}</table>")

    @app.get("/pay/{order_id}", response_class=HTMLResponse)
    def pay_page(order_id: str, request: Request) -> HTMLResponse:
        lang, t = lang_of(request), TEXT[lang_of(request)]
        order = fetch(order_id)
        if order is None:
            return _page(lang, t["title"], f"<p>{t['unknown']}</p>")
        info = (f"<h1>{t['title']}</h1><p class='amount' id='amount'>¥{order['amount_jpy']:,}</p><dl>"
                f"<dt>{t['reference']}</dt><dd>{escape(order['reference'])}</dd>"
                f"<dt>{t['due']}</dt><dd>{escape(order['due_date'])}</dd>"
                f"<dt>{t['status']}</dt><dd id='status'>{escape(order['status'])}</dd></dl>")
        if order["status"] != "open":
            return _page(lang, t["title"], info + f"<p>{t['not_open']} {escape(order['status'])}</p>")
        form = (f"<form method='post'><input type='hidden' name='lang' value='{lang}'>"
                f"<button name='action' value='pay' type='submit'>{t['pay']}</button>"
                f"<button name='action' value='fail' type='submit'>{t['fail']}</button></form>")
        return _page(lang, t["title"], info + form)

    @app.post("/pay/{order_id}", response_class=HTMLResponse)
    def pay(order_id: str, action: str = Form(...), lang: str = Form("en")) -> HTMLResponse:
        lang = "ja" if lang == "ja" else "en"
        t = TEXT[lang]
        order = fetch(order_id)
        if order is None or order["status"] != "open":
            return _page(lang, t["title"], f"<p>{t['unknown'] if order is None else t['not_open']}</p>")
        if action == "fail":
            agent.settle(order_id, "failed", 0)
            return _page(lang, t["title"], f"<p id='result'>{t['failed']}</p>")
        tx = agent.settle(order_id, "paid", int(order["amount_jpy"]))
        return _page(lang, t["title"], f"<p id='result'>{t['done']}</p><p>{escape(tx.transaction_id)}</p>")

    @app.post("/api/refunds")
    async def refund(request: Request) -> JSONResponse:
        raw = await request.body()
        problem = protocol.signature_problem(agent.secret, request.headers.get(protocol.TIMESTAMP_HEADER),
                                             request.headers.get(protocol.SIGNATURE_HEADER), raw, time.time())
        if problem:
            return JSONResponse({"error": "unauthorized", "message": problem}, status_code=401)
        try:
            body = json.loads(raw)
            order_id, amount, refund_id = str(body["order_id"]), int(body["amount_jpy"]), str(body["refund_id"])
        except (ValueError, KeyError, TypeError):
            return JSONResponse({"error": "bad_request", "message": "order_id, amount_jpy, refund_id"}, 422)
        # A request sent again (the platform lost the first answer) is refunded once: the first transaction answers.
        with agent.lock:
            done = next((t for t in agent.transactions if t.type == "refunded" and t.refund_id == refund_id), None)
        tx = done or agent.settle(order_id, "refunded", amount, refund_id)
        return JSONResponse({"accepted": True, "transaction_id": tx.transaction_id}, status_code=202)

    @app.get("/settlements/{day}.csv")
    def settlements(day: str) -> PlainTextResponse:
        d = date.fromisoformat(day)
        return PlainTextResponse(agent.settlement_csv(d), media_type="text/csv",
                                 headers={"Content-Disposition": f'attachment; filename="settlements_{d}.csv"'})

    return app
