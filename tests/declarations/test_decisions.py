"""Officer decisions through the service: states, roles, reasons, history and audit."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from smartcustoms.audit import service as audit
from smartcustoms.declarations import flows, service
from smartcustoms.declarations.schemas import ImportDeclarationIn
from smartcustoms.errors import Conflict, Forbidden, ValidationFailed
from smartcustoms.risk import service as risk
from tests.declarations.helpers import body, line
from tests.payments.helpers import pay_declaration


@pytest.fixture()
def lodge(session: Session, make_trader: Any) -> Any:
    risk.create_profile(session, risk.ProfileSpec("arms", 3, "weapons", hs_prefix="93"), "test")
    risk.create_profile(session, risk.ProfileSpec("docs", 2, "value check", min_value_jpy=100_000), "test")
    trader, _ = make_trader()

    def make(lane: int) -> str:
        b = body(line(hs_code="930200", duty_rate="0")) if lane == 3 else body()
        return flows.lodge(session, ImportDeclarationIn.model_validate(b), trader).id

    return make


def decide(session: Session, did: str, action: str, role: str = "officer", **kw: Any) -> Any:
    return service.decide(session, did, action=action, reason=kw.pop("reason", "checked"), officer="tanaka",
                          role=role, **kw)


def test_document_review_then_release(session: Session, lodge: Any) -> None:
    did = lodge(2)
    assert service.get(session, did).status == "under_review"
    decide(session, did, "request_documents", reason="invoice and packing list")
    # Duty is due: release makes it wait for payment, and the payment releases it.
    assert decide(session, did, "release").status == "awaiting_payment"
    pay_declaration(session, did)
    assert service.get(session, did).status == "released"
    steps = [(h.action, h.to_status) for h in service.history(session, did)]
    assert steps == [("lodged", "under_review"), ("request_documents", "documents_requested"),
                     ("release", "awaiting_payment"), ("paid", "released")]
    actions = [e.action for e in audit.history(session, "import_declaration", did)]
    assert actions == ["import_declaration.lodged", "import_declaration.request_documents",
                       "import_declaration.release", "import_declaration.paid"]


def test_inspection_result_then_release(session: Session, lodge: Any) -> None:
    did = lodge(3)
    with pytest.raises(ValidationFailed) as exc:
        decide(session, did, "record_inspection")
    assert exc.value.errors[0].field == "inspection_result"
    d = decide(session, did, "record_inspection", inspection_result="discrepancy", findings="2 extra cartons")
    assert d.status == "inspected" and d.inspection["result"] == "discrepancy"
    assert decide(session, did, "hold", reason="await amendment").status == "held"
    assert decide(session, did, "release", reason="amended and paid").status == "awaiting_payment"


def test_release_from_inspection_records_the_result(session: Session, lodge: Any) -> None:
    did = lodge(3)
    with pytest.raises(ValidationFailed):
        decide(session, did, "release")
    with pytest.raises(Conflict):
        decide(session, did, "release", inspection_result="discrepancy")
    d = decide(session, did, "release", inspection_result="no_discrepancy")
    assert d.status == "awaiting_payment" and d.inspection["result"] == "no_discrepancy"


def test_order_inspection_raises_lane(session: Session, lodge: Any) -> None:
    did = lodge(2)
    d = decide(session, did, "order_inspection", reason="seal broken")
    assert (d.status, d.lane) == ("awaiting_inspection", 3)


def test_wrong_state_changes_nothing(session: Session, lodge: Any) -> None:
    did = lodge(2)
    decide(session, did, "reject", reason="wrong importer")
    before = len(service.history(session, did))
    for action in ("release", "hold", "request_documents", "order_inspection", "reject"):
        with pytest.raises(Conflict):
            decide(session, did, action)
    assert service.get(session, did).status == "rejected"
    assert len(service.history(session, did)) == before


def test_reason_required(session: Session, lodge: Any) -> None:
    did = lodge(2)
    with pytest.raises(ValidationFailed) as exc:
        decide(session, did, "release", reason="   ")
    assert exc.value.errors[0].field == "reason"
    assert service.get(session, did).status == "under_review"


def test_only_supervisors_reroute(session: Session, lodge: Any) -> None:
    did = lodge(3)
    with pytest.raises(Forbidden):
        decide(session, did, "reroute", new_lane=2)
    d = decide(session, did, "reroute", role="supervisor", new_lane=2, reason="known importer, paperwork enough")
    assert (d.lane, d.status) == (2, "under_review")
    assert d.lane_reasons[-1]["kind"] == "reroute"
    with pytest.raises(Conflict):
        decide(session, did, "reroute", role="admin", new_lane=2)
    assert decide(session, did, "reroute", role="admin", new_lane=1).status == "released"


def test_reroute_to_lane_1_cannot_skip_an_inspection(session: Session, lodge: Any) -> None:
    did = lodge(3)
    with pytest.raises(Conflict):
        decide(session, did, "reroute", role="supervisor", new_lane=1)
    assert service.get(session, did).status == "awaiting_inspection"


def test_unknown_action(session: Session, lodge: Any) -> None:
    with pytest.raises(ValidationFailed):
        decide(session, lodge(2), "approve")
