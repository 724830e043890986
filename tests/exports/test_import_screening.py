"""Import parties screened by configuration (SMARTCUSTOMS_SCREEN_IMPORT_PARTIES)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from smartcustoms.declarations import flows
from smartcustoms.declarations.schemas import ImportDeclarationIn
from smartcustoms.errors import ValidationFailed
from tests.declarations.helpers import body


def _lodge(session: Session, trader: Any, consignor: str, country: str = "KP") -> Any:
    return flows.lodge(session, ImportDeclarationIn.model_validate(
        body(consignor={"name": consignor, "country": country})), trader)


def _screening(d: Any) -> list[dict[str, Any]]:
    return [r for r in d.lane_reasons if r["kind"] == "screening"]


def test_off_by_default(session: Session, eul, make_trader, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SMARTCUSTOMS_SCREEN_IMPORT_PARTIES", raising=False)
    trader, _ = make_trader()
    assert _screening(_lodge(session, trader, "Air Koryo")) == []


def test_on_a_listed_consignor_sends_the_import_to_review(session: Session, eul, make_trader,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMARTCUSTOMS_SCREEN_IMPORT_PARTIES", "true")
    trader, _ = make_trader()
    d = _lodge(session, trader, "Air Koryo")
    reasons = _screening(d)
    assert d.lane >= 2 and reasons and "Air Koryo" in reasons[0]["reason"]
    assert reasons[0]["matched"]["list_version"] == eul.version_label
    assert _screening(_lodge(session, trader, "Pyongyang Textile Mill No. 3 Cooperative")) == []
    with pytest.raises(ValidationFailed) as e:
        _lodge(session, trader, "Co., Ltd.", "CN")
    assert e.value.errors[0].field == "consignor.name"
