"""Demo export declarations: one clean, one whose end user is on the METI End User List, one with list-controlled
goods carrying a licence reference, one to Russia (destination rule)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from smartcustoms.exports import flows
from smartcustoms.exports.schemas import ExportDeclarationIn
from smartcustoms.identity.models import Trader


def _line(hs: str, desc: str, value: str, qty: int = 1, unit: str = "PCE",
          licences: list[str] | None = None) -> dict[str, Any]:
    return {"hs_code": hs, "description": desc, "quantity": qty, "unit": unit, "value": value,
            "licences": licences or []}


def demo_exports() -> list[dict[str, Any]]:
    exporter = {"code": "DEMO-EXPORTER", "name": "Sakura Seiki K.K.", "address": "1-1 Marunouchi, Chiyoda-ku, Tokyo",
                "country": "JP"}
    base = {"exporter": exporter, "transport_mode": "sea", "office": "YOK-SEA", "currency": "JPY"}
    return [
        {**base, "consignee": {"name": "Maple Leaf Retail Inc.", "address": "100 King St W, Toronto",
                               "country": "CA"}, "destination_country": "CA",
         "lines": [_line("610910", "Cotton T-shirts", "850000", 1000)]},
        {**base, "consignee": {"name": "Dalian Harbour Logistics Co., Ltd.", "address": "Dalian", "country": "CN"},
         "end_user": {"name": "Air Koryo", "country": "KP"}, "destination_country": "CN",
         "lines": [_line("848210", "Ball bearings for aircraft engines", "2400000", 400)]},
        {**base, "consignee": {"name": "Shenzhen Precision Works Ltd.", "address": "Shenzhen", "country": "CN"},
         "destination_country": "CN",
         "lines": [_line("845710", "5-axis CNC machining centre", "38000000", 1, licences=["METI-EX-2026-00123"])]},
        {**base, "consignee": {"name": "Volga Home Textiles LLC", "address": "Kazan", "country": "RU"},
         "destination_country": "RU", "lines": [_line("630231", "Cotton bed linen", "620000", 300)]},
    ]


def seed(session: Session, trader: Trader) -> int:
    """Lodge the demo exports for the demo trader (the caller owns the transaction); returns how many."""
    for body in demo_exports():
        flows.lodge(session, ExportDeclarationIn.model_validate(body), trader)
    return len(demo_exports())
