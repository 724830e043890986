"""Declaration bodies for the traveller tests."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo


def today() -> date:
    from datetime import datetime

    return datetime.now(ZoneInfo("Asia/Tokyo")).date()


def body(**kw: Any) -> dict[str, Any]:
    b: dict[str, Any] = {
        "family_name": "Yamada", "given_name": "Hanako", "nationality": "JP", "passport_number": "TR1234567",
        "date_of_birth": "1985-04-12", "flight": "NH204", "arrival_date": today().isoformat(),
        "goods": {"alcohol_bottles": 2, "cigarettes": 200,
                  "other_goods": [{"description": "Handbag", "value_jpy": 80000}]},
    }
    b.update(kw)
    return b


def over_body(**kw: Any) -> dict[str, Any]:
    return body(goods={"alcohol_bottles": 5, "cigarettes": 400,
                       "other_goods": [{"description": "Watch", "value_jpy": 250000},
                                       {"description": "Camera", "value_jpy": 150000}]}, **kw)


def days_ago(n: int) -> str:
    return (today() - timedelta(days=n)).isoformat()
