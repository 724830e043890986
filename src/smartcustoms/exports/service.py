"""What the exports domain does after lodgement: read, list, history, hit resolution, officer decisions."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from smartcustoms.audit import service as audit
from smartcustoms.audit.chain import canonical_json
from smartcustoms.db import utcnow
from smartcustoms.errors import Conflict, FieldError, NotFound, ValidationFailed
from smartcustoms.exports import control_data, lifecycle
from smartcustoms.exports.models import ExportDeclaration, ExportHit, ExportStatusChange, FalsePositiveDecision
from smartcustoms.exports.parties import party_key

MAX_REASON = 1000


def hit_out(h: ExportHit) -> dict[str, Any]:
    return {
        "id": h.id, "kind": h.kind, "party_role": h.party_role, "party_name": h.party_name,
        "party_country": h.party_country, "line_no": h.line_no, "list_code": h.list_code,
        "list_version": h.list_version, "entry_id": h.entry_id, "entry_name": h.entry_name,
        "matched_name": h.matched_name, "score": round(h.score, 4), "reason": h.reason,
        "licence_question": h.licence_question, "licences": h.licences, "state": h.state,
        "resolution_reason": h.resolution_reason, "resolved_at": h.resolved_at.isoformat() if h.resolved_at else None,
    }


def to_out(d: ExportDeclaration, audience: str = "officer") -> dict[str, Any]:
    """The API shape of an export declaration; traders see each hit and its verdict, not who decided it or why."""
    hits = [hit_out(h) for h in d.hits]
    for h, out in zip(d.hits, hits, strict=True):
        if audience == "officer":
            out["resolved_by"] = h.resolved_by
        else:
            # The officer's notes stay with customs; the trader sees the verdict.
            out.pop("resolution_reason")
    return {
        "id": d.id, "status": d.status, "lane": d.lane, "lane_reasons": d.lane_reasons, "screening": d.screening,
        "hits": hits,
        "exporter": {"code": d.exporter_code, "name": d.exporter_name, "address": d.exporter_address,
                     "country": d.exporter_country},
        "consignee": {"name": d.consignee_name, "address": d.consignee_address, "country": d.consignee_country},
        "end_user": {"name": d.end_user_name, "country": d.end_user_country},
        "destination_country": d.destination_country, "transport_mode": d.transport_mode, "office": d.office,
        "currency": d.currency, "exchange_rate": d.exchange_rate, "total_value_jpy": d.total_value_jpy,
        "declared_on": d.declared_on.isoformat(),
        "lines": [
            {"line_no": ln.line_no, "hs_code": ln.hs_code, "description": ln.description,
             "quantity": format(ln.quantity, "f"), "unit": ln.unit, "value": format(ln.value, "f"),
             "value_jpy": ln.value_jpy, "licences": ln.licences}
            for ln in d.lines
        ],
        "version": d.version, "lodged_at": d.lodged_at.isoformat(), "updated_at": d.updated_at.isoformat(),
    }


def _checked_id(declaration_id: str) -> str:
    """Export ids are UUIDs; anything else (a NUL byte, which PostgreSQL refuses in a query) is simply not found."""
    try:
        return str(uuid.UUID(declaration_id))
    except ValueError:
        raise NotFound(f"export declaration {declaration_id[:64]!r}") from None


def get(session: Session, declaration_id: str, for_update: bool = False) -> ExportDeclaration:
    declaration_id = _checked_id(declaration_id)
    stmt = select(ExportDeclaration).where(ExportDeclaration.id == declaration_id)
    if for_update:
        stmt = stmt.with_for_update()
    d = session.scalar(stmt)
    if d is None:
        raise NotFound(f"export declaration {declaration_id}")
    return d


def get_for_trader(session: Session, trader_id: int, declaration_id: str, for_update: bool = False
                   ) -> ExportDeclaration:
    """A trader's own export; another trader's is reported as not found. `for_update` locks its row until the
    transaction ends (an amendment waits for an officer's verdict in flight, and then reads it)."""
    declaration_id = _checked_id(declaration_id)
    stmt = select(ExportDeclaration).where(ExportDeclaration.id == declaration_id,
                                           ExportDeclaration.trader_id == trader_id)
    if for_update:
        # populate_existing: an export already in the session is read again under the lock, not kept as it was.
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    d = session.scalar(stmt)
    if d is None:
        raise NotFound(f"export declaration {declaration_id}")
    return d


def list_for_trader(
    session: Session, trader_id: int, status: str | None, lane: int | None, limit: int, offset: int
) -> tuple[list[ExportDeclaration], int]:
    where = [ExportDeclaration.trader_id == trader_id]
    if status:
        where.append(ExportDeclaration.status == status)
    if lane:
        where.append(ExportDeclaration.lane == lane)
    total = session.scalar(select(func.count()).select_from(ExportDeclaration).where(*where)) or 0
    rows = session.scalars(select(ExportDeclaration).where(*where)
                           .order_by(ExportDeclaration.lodged_at.desc(), ExportDeclaration.id)
                           .limit(limit).offset(offset))
    return list(rows), total


def queue(
    session: Session, *, open_hits_only: bool, status: str | None = None, limit: int = 100, offset: int = 0
) -> tuple[list[ExportDeclaration], int]:
    """Officers' list, oldest first: by default the exports still open with hits to resolve (a refused or released
    export leaves the list even if a hit was never resolved); status "open" = every export waiting for an officer."""
    where = []
    if open_hits_only:
        where.append(ExportDeclaration.open_hits > 0)
        where.append(ExportDeclaration.status.in_(sorted(lifecycle.OPEN)))
    if status == "open":
        where.append(ExportDeclaration.status.in_(sorted(lifecycle.OPEN)))
    elif status:
        where.append(ExportDeclaration.status == status)
    total = session.scalar(select(func.count()).select_from(ExportDeclaration).where(*where)) or 0
    rows = session.scalars(select(ExportDeclaration).where(*where)
                           .order_by(ExportDeclaration.lodged_at, ExportDeclaration.id).limit(limit).offset(offset))
    return list(rows), total


def history(session: Session, declaration_id: str) -> list[ExportStatusChange]:
    return list(session.scalars(select(ExportStatusChange).where(ExportStatusChange.declaration_id == declaration_id)
                                .order_by(ExportStatusChange.id)))


# Version 2 of an export's content digest also covers its status history (every row: action, statuses, lane,
# reason, actor, time), so a deleted or edited history row is found. Exports sealed with version 1 (before
# 2026-11) are checked with version 1 until their next change seals them again with version 2.
DIGEST_VERSION = 2
_HISTORY_FIELDS = ("action", "from_status", "to_status", "lane", "reason", "actor")


def content_digest(d: ExportDeclaration, history: list[ExportStatusChange] | None = None,
                   version: int = DIGEST_VERSION) -> str:
    """SHA-256 of everything that decides an export's outcome; version 2 (with `history`, oldest first) also its
    status history."""
    out = to_out(d)
    for volatile in ("lodged_at", "updated_at"):
        out.pop(volatile)
    if version >= 2:
        out["status_history"] = [{**{f: getattr(h, f) for f in _HISTORY_FIELDS}, "at": h.at.isoformat()}
                                 for h in history or []]
    return hashlib.sha256(canonical_json(out).encode("utf-8")).hexdigest()


def verify_contents(session: Session) -> tuple[int, str | None]:
    """Check every export declaration against the digest of its latest audit entry; (checked, first problem).

    The chain proves the audit entries were not touched; this proves the exports, their lines, hits, verdicts and
    status history still say what the chain sealed (every change goes through `record_change`, which seals the
    new content)."""
    histories: dict[str, list[ExportStatusChange]] = {}
    for h in session.scalars(select(ExportStatusChange).order_by(ExportStatusChange.id)):
        histories.setdefault(h.declaration_id, []).append(h)
    exports = (select(ExportDeclaration).order_by(ExportDeclaration.lodged_at, ExportDeclaration.id)
               .execution_options(yield_per=500))

    def digest_of(d: ExportDeclaration) -> Callable[[int], str]:
        history = histories.get(d.id, [])
        return lambda version: content_digest(d, history, version)

    return audit.check_seals(session, "export_declaration", "export declaration",
                             ((d.id, digest_of(d)) for d in session.scalars(exports)))


def record_change(
    session: Session, d: ExportDeclaration, action: str, from_status: str | None, reason: str, actor: str,
    extra: dict[str, Any] | None = None,
) -> None:
    """A status-history row and its audit entry (which seals the export's content and history)."""
    session.add(ExportStatusChange(declaration_id=d.id, action=action, from_status=from_status, to_status=d.status,
                                   lane=d.lane, reason=reason, actor=actor))
    session.flush()
    audit.append(session, actor=actor, action=f"export_declaration.{action}", entity_type="export_declaration",
                 entity_id=d.id,
                 data={"from_status": from_status, "to_status": d.status, "lane": d.lane, "reason": reason,
                       "version": d.version, "content_sha256": content_digest(d, history(session, d.id)),
                       "content_digest_version": DIGEST_VERSION, **(extra or {})})


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed([FieldError("reason", "every decision needs a reason")])
    if len(reason) > MAX_REASON:
        raise ValidationFailed([FieldError("reason", f"at most {MAX_REASON} characters")])
    return reason


def _count_open(d: ExportDeclaration) -> int:
    return sum(1 for h in d.hits if h.state == lifecycle.HIT_OPEN)


def remember_false_positive(session: Session, h: ExportHit, reason: str, officer: str) -> None:
    """Remember a party's false positive against this entry as it now stands (entry digest)."""
    key = party_key(h.party_name or "")
    country = h.party_country or ""
    exists = session.scalar(select(FalsePositiveDecision).where(
        FalsePositiveDecision.party_key == key, FalsePositiveDecision.party_country == country,
        FalsePositiveDecision.list_code == h.list_code, FalsePositiveDecision.entry_id == h.entry_id,
        FalsePositiveDecision.entry_digest == h.entry_digest))
    if exists is None:
        # Two officers may clear the same party at the same moment: the second insert meets the first row; the
        # decision is then remembered already, and the savepoint keeps the second officer's verdict going.
        try:
            with session.begin_nested():
                session.add(FalsePositiveDecision(party_key=key, party_country=country, list_code=h.list_code,
                                                  entry_id=h.entry_id, entry_digest=h.entry_digest, reason=reason,
                                                  decided_by=officer, declaration_id=h.declaration_id))
        except IntegrityError:
            pass


def remembered(session: Session, name: str, country: str, list_code: str, entry_id: str, digest: str) -> bool:
    return session.scalar(select(FalsePositiveDecision.id).where(
        FalsePositiveDecision.party_key == party_key(name), FalsePositiveDecision.party_country == country,
        FalsePositiveDecision.list_code == list_code, FalsePositiveDecision.entry_id == entry_id,
        FalsePositiveDecision.entry_digest == digest)) is not None


def allowed_resolutions(h: ExportHit) -> tuple[str, ...]:
    """Verdicts an officer may give this hit: a destination where every export is prohibited (North Korea) is a fact,
    not a match to weigh, and no licence lifts it, so it can only be confirmed (the export is then refused)."""
    if h.kind == "destination" and h.entry_id in {r.rule_id for r in control_data.destination_rules()
                                                  if r.effect == "prohibited"}:
        return (lifecycle.HIT_TRUE,)
    return lifecycle.RESOLUTIONS


def form_version(raw: str) -> int | None:
    """The export version a console form was rendered from (empty: not given; anything else: 422 naming it)."""
    raw = (raw or "").strip()
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) < 10):
        raise ValidationFailed([FieldError("version", "the version number of the export shown")])
    return int(raw)


def _check_seen(d: ExportDeclaration, seen_version: int | None) -> None:
    """An officer's step answers the version the officer looked at: after a trader's amendment it is refused."""
    if seen_version is not None and seen_version != d.version:
        raise Conflict(f"the trader amended this export (now version {d.version}, you saw version {seen_version}): "
                       "look at it again before deciding", "version", "stale_version")


def resolve_hit(
    session: Session, declaration_id: str, hit_id: int, *, resolution: str, reason: str, officer: str,
    seen_version: int | None = None,
) -> ExportDeclaration:
    """An officer's verdict on one hit: true match (holds the export), false positive, or licence checked."""
    if resolution not in lifecycle.RESOLUTIONS:
        raise ValidationFailed([FieldError("resolution", f"one of {', '.join(lifecycle.RESOLUTIONS)}")])
    reason = _reason(reason)
    d = get(session, declaration_id, for_update=True)
    _check_seen(d, seen_version)
    h = next((x for x in d.hits if x.id == hit_id), None)
    if h is None:
        raise NotFound(f"hit {hit_id} of export declaration {declaration_id}")
    if d.status not in lifecycle.ALLOWED_FROM["resolve"]:
        raise Conflict(f"an export that is {d.status} takes no more resolutions", "status", "wrong_state")
    if h.state != lifecycle.HIT_OPEN:
        raise Conflict(f"hit {hit_id} is already resolved ({h.state.replace('_', ' ')})", "hit", "already_resolved")
    if resolution not in allowed_resolutions(h):
        raise Conflict(f"exports to this destination are prohibited ({h.entry_id}): confirm the hit as a true match "
                       "and refuse the export", "resolution", "prohibited_destination")
    h.state, h.resolution_reason, h.resolved_by, h.resolved_at = resolution, reason, officer, utcnow()
    if resolution == lifecycle.HIT_FALSE and h.kind == "party":
        remember_false_positive(session, h, reason, officer)
    from_status = d.status
    d.status = lifecycle.after_resolution(d.status, [x.state for x in d.hits])
    if d.status == lifecycle.HELD and from_status != lifecycle.HELD:
        d.lane = 3
        d.lane_reasons = [*d.lane_reasons, {
            "kind": "true_match", "profile_id": None, "profile": "officer verdict", "lane": 3,
            "reason": f"{h.kind} hit confirmed as a true match ({h.list_code} {h.entry_id}): export held",
            "matched": {}, "lines": [h.line_no] if h.line_no else [], "random": False}]
    d.open_hits = _count_open(d)
    # A new dict: the JSON column is stored whole, so the summary the trader reads stays current.
    d.screening = {**d.screening, "open_hits": d.open_hits,
                   "hits": {state: sum(1 for x in d.hits if x.state == state) for state in lifecycle.HIT_STATES}}
    d.updated_at = utcnow()
    session.flush()
    # The history row (which the trader reads) names the hit and the verdict; the officer's note stays on the hit
    # and in the audit entry.
    record_change(session, d, f"hit_{resolution}", from_status,
                  f"hit {h.id} ({h.list_code} {h.entry_id}): {resolution.replace('_', ' ')}",
                  f"officer:{officer}",
                  {"note": reason,
                   "hit": {"id": h.id, "kind": h.kind, "list_code": h.list_code, "list_version": h.list_version,
                           "entry_id": h.entry_id, "entry_digest": h.entry_digest, "party_name": h.party_name,
                           "score": h.score, "resolution": resolution}})
    return d


def decide(session: Session, declaration_id: str, *, action: str, reason: str, officer: str,
           seen_version: int | None = None) -> ExportDeclaration:
    """Release, hold or reject an export; release only once no hit is open or confirmed. With `seen_version` (the
    console form's), refused when the trader has amended the export since the officer looked at it."""
    if action not in lifecycle.DECISIONS:
        raise ValidationFailed([FieldError("action", f"one of {', '.join(lifecycle.DECISIONS)}")])
    reason = _reason(reason)
    d = get(session, declaration_id, for_update=True)
    _check_seen(d, seen_version)
    if action == "release":
        blocker = lifecycle.release_blocker(d.status, [h.state for h in d.hits], bool(d.screening.get("problem")))
        if blocker:
            raise Conflict(blocker, "status", "release_blocked")
    elif d.status not in lifecycle.ALLOWED_FROM[action]:
        raise Conflict(f"cannot {action} an export that is {d.status.replace('_', ' ')}", "status", "wrong_state")
    from_status = d.status
    d.status = {"release": lifecycle.RELEASED, "hold": lifecycle.HELD, "reject": lifecycle.REJECTED}[action]
    d.updated_at = utcnow()
    record_change(session, d, action, from_status, reason, f"officer:{officer}")
    return d


def rescreen(session: Session, declaration_id: str, *, officer: str) -> ExportDeclaration:
    """Screen the parties of an export lodged while screening could not run (no watch list loaded): the hits join
    the export as at lodgement (a remembered false positive stays remembered). Until then it cannot be released."""
    from smartcustoms.exports import flows

    d = get(session, declaration_id, for_update=True)
    if d.status not in lifecycle.ALLOWED_FROM["rescreen"]:
        raise Conflict(f"an export that is {d.status.replace('_', ' ')} is not screened again", "status",
                       "wrong_state")
    if not d.screening.get("problem"):
        raise Conflict("the parties of this export were screened at lodgement", "screening", "already_screened")
    named = [(p["role"], p["name"], p["country"]) for p in d.screening["parties"]]
    result = flows.screen_parties(session, named, f"export:{d.id}")
    if result.problem:
        raise Conflict(f"the parties still cannot be screened: {result.problem}", "screening",
                       "screening_unavailable")
    for ph in result.hits:
        state = (lifecycle.HIT_REMEMBERED if remembered(session, ph.party_name, ph.party_country, ph.list_code,
                                                        ph.entry_id, ph.entry_digest) else lifecycle.HIT_OPEN)
        d.hits.append(flows.hit_row(ph, state))
    session.flush()
    from_status = d.status
    d.open_hits = _count_open(d)
    opened = sum(1 for h in d.hits if h.kind == "party" and h.state == lifecycle.HIT_OPEN)
    d.screening = {**d.screening, "problem": None,
                   "list_versions": {**d.screening.get("list_versions", {}), **result.list_versions},
                   "open_hits": d.open_hits,
                   "hits": {state: sum(1 for x in d.hits if x.state == state) for state in lifecycle.HIT_STATES}}
    reason = f"parties screened by an officer after lodgement: {opened} party hit(s) to resolve"
    d.lane_reasons = [*d.lane_reasons, {"kind": "screening", "profile_id": None, "profile": "screening", "lane": 2,
                                        "reason": reason, "matched": {}, "lines": [], "random": False}]
    d.updated_at = utcnow()
    record_change(session, d, "rescreen", from_status, reason, f"officer:{officer}",
                  {"list_versions": result.list_versions, "open_hits": d.open_hits})
    return d
