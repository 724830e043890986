"""What the declarations domain does after lodgement: read, list, history, officer decisions."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smartcustoms.audit import service as audit
from smartcustoms.audit.chain import canonical_json
from smartcustoms.db import utcnow
from smartcustoms.declarations import lifecycle
from smartcustoms.declarations.models import ImportDeclaration, StatusChange
from smartcustoms.errors import Conflict, FieldError, Forbidden, NotFound, ValidationFailed
from smartcustoms.identity.models import ROLE_RANK

MAX_REASON = 1000


def _trader_reasons(reasons: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Lane reasons as the trader sees them: the model's hit without its score or thresholds."""
    return [
        {**r, "reason": "selected by the risk model", "matched": {}} if r.get("kind") == "model" else r
        for r in reasons
    ]


def to_out(d: ImportDeclaration, audience: str = "officer") -> dict[str, Any]:
    """The API shape of a declaration (lodge, fetch, list and amend all return this).

    Traders get the lane and its reasons but not the risk model's internals (score, percentile,
    contributions built from other traders' inspection history) nor which officer inspected.
    """
    trader = audience == "trader"
    risk = d.risk
    inspection = d.inspection
    if trader:
        risk = {"status": d.risk.get("status")} if d.risk else None
        if d.inspection:
            inspection = {k: d.inspection.get(k) for k in ("result", "findings", "recovered_duty_jpy", "at")}
    return {
        "id": d.id,
        "status": d.status,
        "lane": d.lane,
        "lane_reasons": _trader_reasons(d.lane_reasons) if trader else d.lane_reasons,
        "assessment": d.assessment,
        "importer": {"code": d.importer_code, "name": d.importer_name, "country": d.importer_country},
        "consignor": {"name": d.consignor_name, "country": d.consignor_country},
        "transport_mode": d.transport_mode,
        "office": d.office,
        "currency": d.currency,
        "personal_use": d.personal_use,
        "simplified_tariff_opt_out": d.simplified_tariff_opt_out,
        "aeo_importer": d.aeo_importer,
        "declared_on": d.declared_on.isoformat(),
        "exchange_rate": d.exchange_rate,
        "inspection": inspection,
        "risk": risk,
        "lines": [
            {
                "line_no": ln.line_no,
                "hs_code": ln.hs_code,
                "description": ln.description,
                "quantity": format(ln.quantity, "f"),
                "unit": ln.unit,
                "net_mass_kg": format(ln.net_mass_kg, "f"),
                "customs_value": format(ln.customs_value, "f"),
                "origin_country": ln.origin_country,
                "duty_rate": format(ln.duty_rate, "f"),
                "consumption_tax": ln.consumption_tax,
            }
            for ln in d.lines
        ],
        "version": d.version,
        "lodged_at": d.lodged_at.isoformat(),
        "updated_at": d.updated_at.isoformat(),
    }


def get_for_trader(session: Session, trader_id: int, declaration_id: str, for_update: bool = False
                   ) -> ImportDeclaration:
    """A trader's own declaration; another trader's is reported as not found (no existence leak). `for_update`
    locks its row until the transaction ends (an amendment waits for an officer's decision in flight, then reads it).
    """
    stmt = select(ImportDeclaration).where(
        ImportDeclaration.id == declaration_id, ImportDeclaration.trader_id == trader_id
    )
    if for_update:
        # populate_existing: a declaration already in the session is read again under the lock.
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    d = session.scalar(stmt)
    if d is None:
        raise NotFound(f"import declaration {declaration_id}")
    return d


def list_for_trader(
    session: Session, trader_id: int, status: str | None, lane: int | None, limit: int, offset: int
) -> tuple[list[ImportDeclaration], int]:
    """A trader's declarations, newest first, and the total count."""
    where = [ImportDeclaration.trader_id == trader_id]
    if status:
        where.append(ImportDeclaration.status == status)
    if lane:
        where.append(ImportDeclaration.lane == lane)
    total = session.scalar(select(func.count()).select_from(ImportDeclaration).where(*where)) or 0
    rows = session.scalars(
        select(ImportDeclaration).where(*where)
        .order_by(ImportDeclaration.lodged_at.desc(), ImportDeclaration.id).limit(limit).offset(offset)
    )
    return list(rows), total


def get(session: Session, declaration_id: str, for_update: bool = False) -> ImportDeclaration:
    """Any declaration (officers)."""
    stmt = select(ImportDeclaration).where(ImportDeclaration.id == declaration_id)
    if for_update:
        stmt = stmt.with_for_update()
    d = session.scalar(stmt)
    if d is None:
        raise NotFound(f"import declaration {declaration_id}")
    return d


def history(session: Session, declaration_id: str) -> list[StatusChange]:
    """Status history, oldest first."""
    return list(
        session.scalars(
            select(StatusChange).where(StatusChange.declaration_id == declaration_id).order_by(StatusChange.id)
        )
    )


def content_digest(d: ImportDeclaration, history_length: int) -> str:
    """SHA-256 of everything that decides a declaration's outcome, as the audit chain records it."""
    out = to_out(d)
    for volatile in ("lodged_at", "updated_at"):
        out.pop(volatile)
    out.update(history_length=history_length, total_jpy=d.total_jpy, customs_value_jpy=d.customs_value_jpy,
               trader_id=d.trader_id)
    return hashlib.sha256(canonical_json(out).encode("utf-8")).hexdigest()


def _history_length(session: Session, declaration_id: str) -> int:
    return session.scalar(
        select(func.count()).select_from(StatusChange).where(StatusChange.declaration_id == declaration_id)
    ) or 0


def record_change(
    session: Session, d: ImportDeclaration, action: str, from_status: str | None, reason: str, actor: str,
    extra: dict[str, Any] | None = None,
) -> None:
    """Add a status-history row and its audit entry, which seals the declaration's content with a digest."""
    session.add(StatusChange(declaration_id=d.id, action=action, from_status=from_status, to_status=d.status,
                             lane=d.lane, reason=reason, actor=actor))
    session.flush()
    audit.append(
        session, actor=actor, action=f"import_declaration.{action}", entity_type="import_declaration",
        entity_id=d.id,
        data={"from_status": from_status, "to_status": d.status, "lane": d.lane, "reason": reason,
              "version": d.version, "total_jpy": d.total_jpy,
              "content_sha256": content_digest(d, _history_length(session, d.id)), **(extra or {})},
    )


def _sealed_as(digest: str) -> Callable[[int], str]:
    """Import declarations have one digest version (it counts the status-history rows)."""
    return lambda _version: digest


def verify_contents(session: Session) -> tuple[int, str | None]:
    """Check every declaration against the digest of its last audit entry; (checked, first problem or None).

    The chain proves the audit entries were not touched; this proves the declarations, their lines,
    assessment and status history still say what the chain sealed.
    """
    lengths: dict[str, int] = {
        str(did): int(n) for did, n in session.execute(
            select(StatusChange.declaration_id, func.count()).group_by(StatusChange.declaration_id))
    }
    declarations = (select(ImportDeclaration).order_by(ImportDeclaration.lodged_at, ImportDeclaration.id)
                    .execution_options(yield_per=500))
    return audit.check_seals(session, "import_declaration", "declaration",
                             ((d.id, _sealed_as(content_digest(d, lengths.get(d.id, 0))))
                              for d in session.scalars(declarations)))


def decide(
    session: Session, declaration_id: str, *, action: str, reason: str, officer: str, role: str,
    new_lane: int | None = None, inspection_result: str | None = None, findings: str | None = None,
    recovered_duty_jpy: int | str | None = None, seen_version: int | None = None,
) -> ImportDeclaration:
    """Apply an officer's decision, checking role, reason and current status. With `seen_version` (the console
    form's), refused when the trader has amended the declaration since the officer looked at it."""
    reason = (reason or "").strip()
    if action not in lifecycle.DECISIONS:
        raise ValidationFailed([FieldError("action", f"one of {', '.join(lifecycle.DECISIONS)}")])
    if action in lifecycle.SUPERVISOR_DECISIONS and ROLE_RANK.get(role, 0) < ROLE_RANK["supervisor"]:
        raise Forbidden(f"{action} needs the supervisor role")
    if not reason:
        raise ValidationFailed([FieldError("reason", "every decision needs a reason")])
    if len(reason) > MAX_REASON:
        raise ValidationFailed([FieldError("reason", f"at most {MAX_REASON} characters")])
    if findings is not None and len(findings) > MAX_REASON:
        raise ValidationFailed([FieldError("findings", f"at most {MAX_REASON} characters")])
    d = get(session, declaration_id, for_update=True)
    if seen_version is not None and seen_version != d.version:
        raise Conflict(f"the trader amended this declaration (now version {d.version}, you saw version "
                       f"{seen_version}): look at it again before deciding", "version", "stale_version")
    needs_result = action == "record_inspection" or (
        action == "release" and d.status == lifecycle.AWAITING_INSPECTION
    )
    if needs_result and inspection_result not in lifecycle.INSPECTION_RESULTS:
        raise ValidationFailed(
            [FieldError("inspection_result",
                        f"record the inspection result: {', '.join(lifecycle.INSPECTION_RESULTS)}")]
        )
    if action == "release" and needs_result and inspection_result != "no_discrepancy":
        raise Conflict("goods with an inspection discrepancy cannot be released in the same step; "
                       "record the result, then decide", "inspection_result", "discrepancy_found")
    recovered = _recovered(recovered_duty_jpy, inspection_result if needs_result else None)
    if action == "reroute" and new_lane not in (1, 2, 3):
        raise ValidationFailed([FieldError("lane", "1, 2 or 3")])
    if action == "reroute" and new_lane == d.lane:
        raise Conflict(f"declaration is already in lane {d.lane}", "lane", "same_lane")
    transition = lifecycle.next_state(action, d.status, d.lane, new_lane)
    if transition is None:
        raise Conflict(f"cannot {action.replace('_', ' ')} a declaration that is {d.status.replace('_', ' ')}",
                       "status", "wrong_state")
    from_status = d.status
    extra: dict[str, Any] = {}
    if needs_result:
        # The inspection result is the label the next training run learns from (risk/platform_data.py).
        d.inspection = {"result": inspection_result, "findings": (findings or "").strip(), "officer": officer,
                        "recovered_duty_jpy": recovered, "at": utcnow().isoformat()}
        extra["inspection"] = d.inspection
    if action == "reroute":
        extra["from_lane"] = d.lane
        d.lane_reasons = [*d.lane_reasons, {"kind": "reroute", "profile_id": None, "profile": f"re-routed by {officer}",
                                            "lane": transition.lane, "reason": reason, "matched": {},
                                            "lines": [], "random": False}]
    d.status, d.lane = transition.to_status, transition.lane
    d.updated_at = utcnow()
    history_reason = reason
    if action in ("release", "reject"):
        # Imported here: the payment glue imports this module.
        from smartcustoms.declarations import payment

        if action == "release":
            order = payment.permit(session, d, f"officer:{officer}")
            history_reason += payment.permit_note(d, order)
            if order is not None:
                extra["payment_order"] = order.id
        else:
            payment.cancel_open_order(session, d, f"officer:{officer}", reason)
    record_change(session, d, action, from_status, history_reason, f"officer:{officer}", extra)
    return d


def _recovered(value: int | str | None, result: str | None) -> int | None:
    """Recovered duty and tax in yen: a whole number, only with a discrepancy."""
    if value is None or value == "":
        return 0 if result == "discrepancy" else None
    text = str(value).replace(",", "").strip()
    if not (text.isascii() and text.isdigit()) or int(text) > 10**13:
        raise ValidationFailed([FieldError("recovered_duty_jpy", "whole yen, 0 or more")])
    if result != "discrepancy" and int(text) > 0:
        raise ValidationFailed([FieldError("recovered_duty_jpy", "only when the inspection found a discrepancy")])
    return int(text) if result == "discrepancy" else None


def queue(
    session: Session, *, lane: int | None, status: str | None, limit: int = 100, offset: int = 0
) -> tuple[list[ImportDeclaration], int]:
    """Officers' queue, oldest first (first in, first reviewed)."""
    where = []
    if lane:
        where.append(ImportDeclaration.lane == lane)
    if status == "open":
        where.append(ImportDeclaration.status.in_(sorted(lifecycle.AWAITING_OFFICER)))
    elif status:
        where.append(ImportDeclaration.status == status)
    total = session.scalar(select(func.count()).select_from(ImportDeclaration).where(*where)) or 0
    rows = session.scalars(
        select(ImportDeclaration).where(*where).order_by(ImportDeclaration.lodged_at, ImportDeclaration.id)
        .limit(limit).offset(offset)
    )
    return list(rows), total


def counts_by_lane_status(session: Session) -> dict[tuple[int, str], int]:
    """How many declarations sit in each lane and status (the dashboard chart)."""
    rows = session.execute(
        select(ImportDeclaration.lane, ImportDeclaration.status, func.count())
        .group_by(ImportDeclaration.lane, ImportDeclaration.status)
    )
    return {(int(lane), str(status)): int(n) for lane, status, n in rows}
