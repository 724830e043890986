"""Officer API for e-commerce consignments: what the console shows (totals, groups, manifests, lists, a consignment),
the value references, and the bulk decisions, for a risk unit's own tools. HTTP Basic with the console's username and
password, as the other officer APIs.

Decisions:
- A bulk action sent with an `Idempotency-Key` is decided once: a retry with the same key and the same body
  answers the first answer (`Idempotent-Replayed: true`) and decides nothing again; the same key with another body
  is 409 naming the header. Keys are per officer (table `ecommerce_action_keys`). Without a key, a retried
  decision on named ids decides nothing again (they are no longer in a status the action applies to) but answers
  `done: 0`; a retried "all matching" whose first answer said `more` decides the next batch. Scripts should send a
  key.
- "All matching" takes its filters in the body and needs at least one: an empty filter over every consignment is
  the console's choice to make on screen, not a script's by omission.
- The answer names every consignment it decided (`changed`); the cap is the console's
  (SMARTCUSTOMS_ECOMMERCE_MAX_BULK_ACTION) and `more` says that others matching remain.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from smartcustoms.audit import service as audit
from smartcustoms.declarations.idempotency import IdemKey, StoredAnswer, answer_once, stored_key
from smartcustoms.declarations.officer_api import OfficerDep, ReadOfficerDep
from smartcustoms.deps import ReadSessionDep, SessionDep
from smartcustoms.ecommerce import cursor, hitrate, lifecycle, officer, valueref_service
from smartcustoms.ecommerce.config import get_ecommerce_settings
from smartcustoms.ecommerce.models import ActionKey, Consignment, Manifest
from smartcustoms.ecommerce.pipeline import summary
from smartcustoms.errors import FieldError, NotFound, ValidationFailed
from smartcustoms.identity.models import Trader

PREFIX = "/api/v1/officer/ecommerce"
router = APIRouter(prefix=PREFIX, tags=["officer", "e-commerce manifests"])
LIST_MAX = 500

Filter = Annotated[str | None, Query(max_length=200)]


def _filters(**given: str | None) -> dict[str, str]:
    return {k: v.strip() for k, v in given.items() if v and v.strip()}


def _iso(t: datetime | None) -> str | None:
    return t.isoformat() if t else None


def consignment_out(c: Consignment, full: bool = False) -> dict[str, Any]:
    """A consignment as the API gives it: the list's fields, and with `full` its goods, assessment and reasons."""
    out: dict[str, Any] = {
        "id": c.id, "manifest_id": c.manifest_id, "line": c.line_no, "parcel_id": c.parcel_id,
        "platform": c.platform,
        "seller": {"id": c.seller_id, "name": c.seller_name, "country": c.seller_country,
                   "registration_id": c.seller_registration_id},
        "consignee": {"name": c.consignee_name, "address": c.consignee_address, "id": c.consignee_id},
        "delivery_place": c.delivery_place, "mail_order": c.mail_order, "personal_use": c.personal_use,
        "lane": c.lane, "status": c.status, "open": c.status in lifecycle.OPEN,
        "value_jpy": c.value_jpy, "dutiable_value_jpy": c.dutiable_value_jpy, "duty_jpy": c.duty_jpy,
        "consumption_tax_jpy": c.ct_national_jpy + c.ct_local_jpy, "total_tax_jpy": c.total_tax_jpy,
        "exempt": c.exempt, "risk_score": c.risk_score, "split_group": c.split_group,
        "received_at": _iso(c.received_at), "released_at": _iso(c.released_at),
        "decided_by": c.decided_by, "decision_reason": c.decision_reason, "inspection_result": c.inspection_result,
    }
    if full:
        out.update(officer.view(c))
    return out


@router.get("/totals")
def totals(session: ReadSessionDep, who: ReadOfficerDep) -> dict[str, int]:
    """How many consignments are in each status, open (waiting for an officer) and in all."""
    return officer.totals(session)


@router.get("/groups")
def groups(
    session: ReadSessionDep, who: ReadOfficerDep,
    group: Annotated[Literal["manifest", "platform", "seller"], Query()] = "manifest",
    manifest: Filter = None, platform: Filter = None, seller: Filter = None, lane: Filter = None,
    status: Filter = None, split_group: Filter = None, consignee: Filter = None,
    limit: Annotated[int, Query(ge=1, le=LIST_MAX)] = 100,
) -> dict[str, Any]:
    """Consignments per manifest, platform or seller, the most open first (the console's overview)."""
    filters = _filters(manifest=manifest, platform=platform, seller=seller, lane=lane, status=status,
                       split_group=split_group, consignee=consignee)
    rows = officer.groups(session, group, filters, limit)
    return {"group": group, "filters": filters, "groups": [
        {"key": r.key, "label": r.label, "consignments": r.consignments, "lane1": r.lane1, "lane2": r.lane2,
         "lane3": r.lane3, "open": r.open, "value_jpy": r.value_jpy, "tax_jpy": r.tax_jpy,
         "split_flagged": r.split_flagged} for r in rows]}


def _manifest_out(m: Manifest, submitter: str) -> dict[str, Any]:
    return {**summary(m), "submitter": submitter, "source": m.source, "filename": m.filename}


@router.get("/manifests")
def manifests(
    session: ReadSessionDep, who: ReadOfficerDep,
    status: Annotated[Literal["receiving", "complete", "failed", "interrupted"] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=LIST_MAX)] = 50,
) -> list[dict[str, Any]]:
    """The latest manifests of every submitter, newest first (the console's list), with their totals."""
    stmt = select(Manifest, Trader.code).join(Trader, Trader.id == Manifest.submitter_id)
    if status:
        stmt = stmt.where(Manifest.status == status)
    rows = session.execute(stmt.order_by(Manifest.received_at.desc(), Manifest.id.desc()).limit(limit)).all()
    return [_manifest_out(m, code) for m, code in rows]


@router.get("/manifests/{manifest_id}")
def manifest(manifest_id: str, session: ReadSessionDep, who: ReadOfficerDep) -> dict[str, Any]:
    """Any submitter's manifest: status, lines with a result, lanes and totals (its consignments:
    `GET …/consignments?manifest=`)."""
    row = session.execute(select(Manifest, Trader.code).join(Trader, Trader.id == Manifest.submitter_id)
                          .where(Manifest.id == manifest_id)).first()
    if row is None:
        raise NotFound(f"manifest {manifest_id}")
    return _manifest_out(*row)


@router.get("/consignments")
def consignments(
    session: ReadSessionDep, who: ReadOfficerDep, response: Response,
    manifest: Filter = None, platform: Filter = None, seller: Filter = None, lane: Filter = None,
    status: Annotated[str | None, Query(max_length=200, description="open, or one status")] = None,
    split_group: Filter = None, consignee: Filter = None,
    limit: Annotated[int, Query(ge=1, le=LIST_MAX)] = 100,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
    after: Annotated[str | None, Query(max_length=400, description="X-Next-After of the page before")] = None,
) -> list[dict[str, Any]]:
    """A page of consignments matching the filters, lane 3 first then the oldest (the console's list). The number
    matching is in `X-Total-Count` (on a page read by `offset`, and the first page); a full page carries
    `X-Next-After`, the cursor to send as `after=` for the next one (ecommerce/cursor.py: a script reading a long
    list should page by it: a deep offset steps over every row before the page)."""
    filters = _filters(manifest=manifest, platform=platform, seller=seller, lane=lane, status=status,
                       split_group=split_group, consignee=consignee)
    if after is not None and offset:
        raise ValidationFailed([FieldError("after", "page by after or by offset, not both", "conflict")])
    if offset:
        rows, total = officer.consignments(session, filters, limit, offset)
        response.headers["X-Total-Count"] = str(total)
        return [consignment_out(c) for c in rows]
    start = None if after is None else cursor.read(after)
    rows, next_after = officer.consignments_after(session, filters, limit, start)
    if start is None:  # the first page says how many match (counting again on every page would cost a count each)
        response.headers["X-Total-Count"] = str(officer.count(session, filters))
    if next_after is not None:
        response.headers["X-Next-After"] = next_after.token()
    return [consignment_out(c) for c in rows]


@router.get("/consignments/{consignment_id}")
def consignment(consignment_id: str, session: ReadSessionDep, who: ReadOfficerDep) -> dict[str, Any]:
    """One consignment with its goods, assessment, lane reasons, split group and audited history."""
    c = officer.get(session, consignment_id)
    out = consignment_out(c, full=True)
    if c.split_group:
        members, more = officer.split_members(session, c.split_group)
        out["split_members"] = {"ids": [m.id for m in members], "more": more}
    out["history"] = [{"seq": e.seq, "at": e.at, "actor": e.actor, "action": e.action,
                       "data": orjson.loads(e.payload)} for e in audit.history(session, "ecommerce_consignment", c.id)]
    return out


def _hit_out(r: hitrate.HitRow, base: hitrate.HitRow | None = None) -> dict[str, Any]:
    lo, hi = r.interval
    out = {"kind": r.key[0], "profile_id": r.key[1], "profile": r.key[2], "inspected": r.inspected,
           "discrepancies": r.discrepancies, "rate": round(r.rate, 4), "interval": [round(lo, 4), round(hi, 4)]}
    if base is not None and not r.baseline:  # higher, lower, or unclear at 95 % (Fisher's exact test)
        out["against_baseline"] = hitrate.against(r, base)
    return out


@router.get("/inspections")
def inspections(session: ReadSessionDep, who: ReadOfficerDep,
                days: Annotated[int, Query(ge=1, le=officer.INSPECTION_DAYS_MAX)] = officer.INSPECTION_DAYS,
                ) -> dict[str, Any]:
    """The hit rates of the inspections of parcels received in the last `days` days: per selection (profile,
    signal, random draw, an officer's order), the parcels it sent to inspection that have a result and the share
    found with a discrepancy with its 95 % Wilson `interval`; `baseline` is the random sample's (kind `random`, all
    draws together), and `against_baseline` says whether a selection finds clearly more (`higher`), clearly less
    (`lower`) or `unclear` at 95 % (Fisher's exact test: a raw comparison of a few inspections misleads)."""
    rates = officer.inspection_results(session, days)
    base = rates.baseline
    return {"days": days, "inspected": rates.inspected, "discrepancies": rates.discrepancies,
            "rate": round(rates.rate, 4), "baseline": _hit_out(base) if base else None,
            "selections": [_hit_out(r, base) for r in rates.rows]}


@router.get("/value-refs")
def value_refs(
    session: ReadSessionDep, who: ReadOfficerDep,
    hs6: Annotated[str | None, Query(pattern=r"^\d{6}$", description="one HS subheading")] = None,
    limit: Annotated[int, Query(ge=1, le=10000)] = 1000,
) -> dict[str, Any]:
    """The reference unit values the intake's undervaluation signal compares goods lines with: per HS subheading
    and unit, the median unit value in yen (to the sen), the unit value below which the intake flags a line, the
    lines of the window and the sample the band was computed from."""
    window = valueref_service.stored_window(session)
    z = get_ecommerce_settings().undervaluation_z
    bands = sorted(valueref_service.load_bands(session, hs6).values(), key=lambda b: (b.hs6, b.unit))[:limit]
    return {
        "window": None if window is None else {"from": window[0].isoformat(), "to": window[1].isoformat(),
                                               "computed_at": _iso(window[2]), "bands": window[3]},
        "cut_z": z,
        "bands": [{"hs6": b.hs6, "unit": b.unit, "lines_seen": b.lines_seen, "sample": b.lines,
                   "median_jpy": round(b.median_yen, 2), "spread": round(b.spread, 4),
                   "flagged_below_jpy": round(b.cut_jpy(z), 2)} for b in bands],
    }


class ActionIn(BaseModel):
    """A bulk decision: on the consignments named, or on all matching the filters (at most the cap)."""

    model_config = ConfigDict(extra="forbid")

    action: Literal["release", "inspect", "hold"]
    reason: str = Field(max_length=1000, description="kept in the audit log")
    ids: list[Annotated[str, Field(min_length=1, max_length=52)]] | None = Field(None, min_length=1)
    filters: dict[str, Annotated[str, Field(min_length=1, max_length=200)]] | None = None
    seen: dict[str, str] | None = Field(None, description="the state each named consignment had when it was looked "
                                                          "at, `status` or `status:lane`: one whose state has "
                                                          "changed since is not decided (counted in `outdated`)")
    inspection_result: Literal["no_discrepancy", "discrepancy"] | None = Field(
        None, description="the finding of the inspection this decision ends, recorded on each named consignment "
                          "pending inspection (lane 3, none recorded): needed to release one (no_discrepancy "
                          "only); a hold may record either")

    def scope(self) -> dict[str, str] | None:
        """The filters to act on, their values stripped as the lists' are (None: the ids); 422 naming the field when
        not either ids or filters, a filter unknown or blank, or none given, or a value the lists refuse."""
        if (self.ids is None) == (self.filters is None):
            raise ValidationFailed([FieldError(
                "ids", "give either ids (the consignments to decide) or filters (all matching)", "scope")])
        if self.filters is None:
            return None
        if self.seen is not None:
            raise ValidationFailed([FieldError("seen", "goes with ids: the statuses the named consignments were "
                                                       "seen in", "scope")])
        if not self.filters:
            raise ValidationFailed([FieldError("filters", f"at least one of {', '.join(officer.FILTERS)}",
                                               "missing")])
        filters = {k: v.strip() for k, v in self.filters.items()}
        errors = [FieldError(f"filters.{k}", f"not a filter: one of {', '.join(officer.FILTERS)}", "unknown")
                  for k in sorted(set(filters) - set(officer.FILTERS))]
        errors += [FieldError(f"filters.{k}", "blank", "missing") for k, v in sorted(filters.items()) if not v]
        if not errors:
            try:
                officer.check_filters(filters)
            except ValidationFailed as exc:
                errors = [FieldError(f"filters.{e.field}", e.reason, e.code) for e in exc.errors]
        if errors:
            raise ValidationFailed(errors)
        return filters


@router.post("/actions", responses={409: {"description": "Idempotency-Key already used with another body"}})
def act(body: ActionIn, session: SessionDep, who: OfficerDep, idempotency_key: IdemKey = None) -> JSONResponse:
    """Release, order inspection of, or hold consignments; each decision audited under the officer's name."""
    key = stored_key(idempotency_key)
    filters = body.scope()

    def run() -> tuple[dict[str, Any], dict[str, str]]:
        outcome = officer.act(session, action=body.action, reason=body.reason, officer=who.username,
                              ids=body.ids, filters=filters, seen=body.seen if filters is None else None,
                              inspection_result=body.inspection_result)
        return {"action": body.action, "done": outcome.done, "skipped": outcome.skipped, "more": outcome.more,
                "outdated": outcome.outdated, "changed": list(outcome.changed)}, {}

    def find() -> StoredAnswer | None:
        r = session.scalar(select(ActionKey).where(ActionKey.officer_id == who.id, ActionKey.key == key))
        return None if r is None else StoredAnswer(r.request_hash, r.status_code, r.response)

    def keep(request_hash: str, status: int, out: dict[str, Any]) -> None:
        session.add(ActionKey(officer_id=who.id, key=key, request_hash=request_hash, status_code=status,
                              response=out))

    return answer_once(session, find if key is not None else None, keep, body.model_dump(mode="json"), 200, run)
