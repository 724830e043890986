"""Request bodies and headers shared by the declaration tests."""

from __future__ import annotations

import copy
from typing import Any


def line(**kw: Any) -> dict[str, Any]:
    base = {"hs_code": "851830", "description": "Headphones", "quantity": 10, "unit": "PCE", "net_mass_kg": 1.5,
            "customs_value": "534795", "origin_country": "CN", "duty_rate": "0.14", "consumption_tax": "standard"}
    base.update(kw)
    return base


def body(*lines: dict[str, Any], **kw: Any) -> dict[str, Any]:
    """The issue's example declaration (Customs Answer 1111 line A unless lines are given)."""
    b: dict[str, Any] = {
        "importer": {"code": "IMP-001", "name": "Example Importer K.K.", "country": "JP"},
        "consignor": {"name": "Shenzhen Audio Co., Ltd.", "country": "CN"},
        "transport_mode": "air", "office": "TYO-AIR", "currency": "JPY", "personal_use": False,
        "lines": list(lines) or [line()],
    }
    b.update(kw)
    return copy.deepcopy(b)


def answer_1111() -> dict[str, Any]:
    """Customs Answer 1111's two-line example."""
    return body(line(customs_value="534795", duty_rate="0.14", consumption_tax="standard"),
                line(customs_value="126258", duty_rate="0.14", consumption_tax="reduced", description="Food item"))


def auth(key: str, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}", **headers}
