"""E-gate decisions: verify the signed QR offline-style, claim the declaration once, decide green or red.

Path of one decision: signature (key id → published key) → expiry → not before the arrival date (one day of
slack) → passport digest → face match → one atomic
``UPDATE ... WHERE used_at IS NULL RETURNING`` that claims the declaration (exactly one gate wins, on SQLite and
PostgreSQL) → reasons from the signed payload, the stored watch-list outcome and the random draw → one INSERT.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import Boolean, bindparam, select, text
from sqlalchemy.orm import Session

from smartcustoms.db import JSONText, UTCDateTime, utcnow
from smartcustoms.travellers import codec, keys, service
from smartcustoms.travellers.models import GateDecision, PassengerDeclaration

MESSAGES = {
    "signature_invalid": "signature invalid",
    "malformed": "QR payload malformed or truncated",
    "expired": "declaration expired",
    "not_yet_valid": "declaration is for a later arrival",
    "passport_mismatch": "passport does not match the declaration",
    "face_mismatch": "face match failed",
    "already_used": "declaration already used at a gate",
    "at_counter": "declaration already taken over at the customs counter: see an officer",
    "unknown_declaration": "declaration not found",
    "allowance_exceeded": "goods over the duty-free allowance",
    "unaccompanied_baggage": "unaccompanied baggage declared",
    "means_of_payment": "cash or means of payment to declare",
    "prohibited_goods": "prohibited goods declared",
    "restricted_goods": "restricted goods declared",
    "commercial_goods": "commercial goods or samples declared",
    "goods_for_others": "goods carried for others",
    "watch_list": "rule or watch-list hit: see an officer",
    "random_selection": "random selection",
    "repeated": "repeated request from the same gate",
}
# A declaration filed for a later trip is not valid at today's gate: its goods are those of that trip. One day of
# slack covers a date typed in the departure time zone or a flight landing after midnight.
EARLY_SLACK = timedelta(days=1)
# A gate that retries after a lost answer within this window gets its first decision again.
RETRY_WINDOW = timedelta(seconds=60)


# Built once: plain SQL with typed parameters skips SQLAlchemy's per-call statement building and cache keys.
# Claiming: the first gate sets used_at; any other sees no row come back (atomic on SQLite and PostgreSQL).
# Only a declaration still as the traveller filed it can be claimed: once the counter has taken it over (adjusted,
# awaiting payment, settled, released) no gate may walk the traveller through nor overwrite that state.
_CLAIM = text(
    "UPDATE passenger_declarations SET used_at = :now, used_gate = :gate, "
    "status = CASE WHEN watchlist_hit OR :red THEN 'counter' ELSE 'cleared' END "
    "WHERE id = :id AND used_at IS NULL AND status = 'declared' RETURNING watchlist_hit"
).bindparams(bindparam("now", type_=UTCDateTime()), bindparam("red", type_=Boolean()))
_RECORD = text(
    "INSERT INTO gate_decisions (declaration_id, gate_id, decision, reasons, face_match, payload_sha256, decided_at) "
    "VALUES (:did, :gate, :decision, :reasons, :face, :sha, :now) RETURNING id"
).bindparams(bindparam("now", type_=UTCDateTime()), bindparam("reasons", type_=JSONText()),
             bindparam("face", type_=Boolean()))


@dataclass
class Decision:
    decision: str
    reasons: list[dict[str, str]] = field(default_factory=list)
    declaration_id: str | None = None
    decision_id: int | None = None

    def to_out(self) -> dict[str, object]:
        return {"decision": self.decision, "reasons": self.reasons, "declaration_id": self.declaration_id,
                "decision_id": self.decision_id}


def _reason(code: str, detail: str | None = None) -> dict[str, str]:
    return {"code": code, "message": detail or MESSAGES[code]}


def decide(session: Session, payload: str, passport_number: str, face_match: bool, gate_id: str,
           now: datetime | None = None) -> Decision:
    """Decide and record one gate presentation (the caller commits)."""
    now = now or utcnow()
    result = _decide(session, payload, passport_number, face_match, gate_id, now)
    # One prepared INSERT on the connection (no ORM statement building): the decision is the gate's hot path.
    result.decision_id = session.connection().execute(_RECORD, {
        "did": result.declaration_id, "gate": gate_id, "decision": result.decision, "reasons": result.reasons,
        "face": face_match, "now": now, "sha": hashlib.sha256(payload.encode("utf-8", "replace")).hexdigest(),
    }).scalar_one()
    return result


def _decide(session: Session, payload: str, passport_number: str, face_match: bool, gate_id: str,
            now: datetime) -> Decision:
    try:
        claims = codec.decode(payload, keys.load().public).claims
    except codec.PayloadError as exc:
        # truncated, altered, forged or signed by an unknown key: all are an invalid signature to the gate
        return Decision("red", [_reason("signature_invalid", str(exc))])
    did = str(claims.get("i", ""))
    try:
        expiry = int(claims["e"])
    except (KeyError, TypeError, ValueError):
        return Decision("red", [_reason("malformed", "signed body lacks an expiry")])
    if now.timestamp() > expiry:
        return Decision("red", [_reason("expired")], did or None)
    arrival = _arrival(claims)
    if arrival is not None and now.astimezone(service.JST).date() < arrival - EARLY_SLACK:
        return Decision("red", [_reason("not_yet_valid", f"declaration is for a later arrival ({arrival})")],
                        did or None)
    if codec.passport_digest(did, passport_number) != claims.get("p"):
        return Decision("red", [_reason("passport_mismatch")], did or None)
    reasons = [_reason(str(r)) for r in claims.get("r", []) if r in MESSAGES]
    if not face_match:
        reasons.insert(0, _reason("face_mismatch"))
    if service.randomly_selected(did, service.random_rate()):
        reasons.append(_reason("random_selection"))
    red_before_db = bool(reasons)
    claimed = session.connection().execute(_CLAIM, {"now": now, "gate": gate_id, "red": red_before_db,
                                                    "id": did}).first()
    if claimed is None:
        replay = _same_gate_retry(session, did, gate_id, now)
        if replay is not None:
            return replay
        row = session.execute(select(PassengerDeclaration.used_at).where(PassengerDeclaration.id == did)).first()
        if row is None:
            return Decision("red", [_reason("unknown_declaration")], None)
        return Decision("red", [_reason("already_used" if row.used_at is not None else "at_counter")], did)
    if claimed[0]:
        reasons.append(_reason("watch_list"))
    return Decision("red" if reasons else "green", reasons, did)


def _arrival(claims: dict[str, object]) -> date | None:
    """The signed arrival date (payloads always carry one; None only for a payload without it)."""
    try:
        return date.fromisoformat(str(claims["a"]))
    except (KeyError, ValueError):
        return None


def _same_gate_retry(session: Session, did: str, gate_id: str, now: datetime) -> Decision | None:
    """A gate that lost the answer and asks again within RETRY_WINDOW gets its first decision back, not 'used'."""
    if gate_id == "unidentified":
        return None
    first = session.scalar(
        select(GateDecision).where(GateDecision.declaration_id == did, GateDecision.gate_id == gate_id,
                                   GateDecision.decided_at >= now - RETRY_WINDOW)
        .order_by(GateDecision.id).limit(1))
    used_here = session.scalar(select(PassengerDeclaration.used_gate).where(PassengerDeclaration.id == did))
    if first is None or used_here != gate_id:
        return None
    note = _reason("repeated", f"repeated request; first decision #{first.id}")
    return Decision(first.decision, [*first.reasons, note], did)
