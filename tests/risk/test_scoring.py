"""Risk in the lodge path without a model, lane thresholds, labels from inspection results."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from smartcustoms.declarations import flows, service
from smartcustoms.declarations.schemas import ImportDeclarationIn
from smartcustoms.errors import ValidationFailed
from smartcustoms.risk import registry
from smartcustoms.risk.platform_data import labels, training_records
from smartcustoms.risk.scoring import lane_for
from tests.declarations.helpers import auth, body, line


def test_no_active_model_falls_back_to_rules_visibly(client: TestClient, make_trader: Any, session: Session) -> None:
    _, key = make_trader()
    d = client.post("/api/v1/import-declarations", json=body(), headers=auth(key)).json()
    assert d["risk"] == {"status": "no_active_model"}
    assert "rules only" in service.get(session, d["id"]).risk["message"]  # type: ignore[index]
    assert all(h["kind"] != "model" for h in d["lane_reasons"])


@pytest.mark.parametrize("percentile,lane", [(99.5, 3), (98.0, 3), (97.9, 2), (90.0, 2), (89.9, 1), (0.0, 1)])
def test_lane_by_target_inspection_rate(percentile: float, lane: int) -> None:
    assert lane_for(percentile, Decimal("0.02"), Decimal("0.08")) == lane


def test_shares_validated() -> None:
    with pytest.raises(ValidationFailed):
        registry._shares(Decimal("0.6"), Decimal("0.5"))
    with pytest.raises(ValidationFailed):
        registry._shares(Decimal("-0.1"), None)
    assert registry._shares(None, None) == (registry.DEFAULT_LANE3_SHARE, registry.DEFAULT_LANE2_SHARE)


def test_labels_from_inspection_records() -> None:
    assert labels(None) is None
    assert labels({"result": "no_discrepancy"}) == (0, 0)
    assert labels({"result": "discrepancy", "recovered_duty_jpy": 5_000}) == (1, 1)
    assert labels({"result": "discrepancy", "recovered_duty_jpy": 100_000}) == (1, 2)


def test_inspection_results_become_training_rows(session: Session, make_trader: Any) -> None:
    from smartcustoms.risk import service as risk

    risk.create_profile(session, risk.ProfileSpec("all", 3, "inspect all", min_value_jpy=0), "test")
    trader, _ = make_trader()
    found = flows.lodge(session, ImportDeclarationIn.model_validate(
        body(line(), line(hs_code="930200", origin_country="US"))), trader)
    clean = flows.lodge(session, ImportDeclarationIn.model_validate(body()), trader)
    flows.lodge(session, ImportDeclarationIn.model_validate(body()), trader)  # not inspected: no label
    service.decide(session, found.id, action="record_inspection", reason="x-ray", officer="o", role="officer",
                   inspection_result="discrepancy", findings="undervalued", recovered_duty_jpy="250,000")
    service.decide(session, clean.id, action="record_inspection", reason="x-ray", officer="o", role="officer",
                   inspection_result="no_discrepancy")
    rows = list(training_records(session))
    by_decl = {str(r["declaration_id"]).rsplit(":", 1)[0]: r for r in rows}
    assert set(by_decl) == {found.id, clean.id}
    assert len([r for r in rows if str(r["declaration_id"]).startswith(found.id)]) == 2
    assert (by_decl[found.id]["fraud"], by_decl[found.id]["critical_fraud"]) == (1, 2)
    assert (by_decl[clean.id]["fraud"], by_decl[clean.id]["critical_fraud"]) == (0, 0)
    assert by_decl[clean.id]["hs6"] == "851830" and by_decl[clean.id]["importer_id"] == "IMP-001"
    assert found.inspection is not None and found.inspection["recovered_duty_jpy"] == 250_000
    # The rows load into the model's training layout as they are (what `risk train --from-db` does).
    from smartcustoms.risk.ml import dataset

    frame = dataset.from_records(rows, require_labels=True)
    assert len(frame) == 3 and sorted(frame["fraud"].tolist()) == [0, 1, 1]
    assert sorted(frame["critical_fraud"].tolist()) == [0, 2, 2]


def test_recovered_duty_validated(session: Session, make_trader: Any) -> None:
    from smartcustoms.risk import service as risk

    risk.create_profile(session, risk.ProfileSpec("all", 3, "inspect all", min_value_jpy=0), "test")
    trader, _ = make_trader()
    d = flows.lodge(session, ImportDeclarationIn.model_validate(body()), trader)
    for bad, result in (("-5", "discrepancy"), ("lots", "discrepancy"), ("1000", "no_discrepancy")):
        with pytest.raises(ValidationFailed) as exc:
            service.decide(session, d.id, action="record_inspection", reason="r", officer="o", role="officer",
                           inspection_result=result, recovered_duty_jpy=bad)
        assert exc.value.errors[0].field == "recovered_duty_jpy"
    assert service.get(session, d.id).status == "awaiting_inspection"
