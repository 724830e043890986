"""The story of an export declaration, top to bottom: validate → convert → screen parties → check goods → lane →
persist → audit. The caller (API route) owns the transaction: nothing here commits."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from sqlalchemy.orm import Session

from smartcustoms.db import utcnow
from smartcustoms.declarations.flows import _weekly_rate, declaration_date
from smartcustoms.errors import Conflict, FieldError, PreconditionFailed, ValidationFailed
from smartcustoms.exports import control_data, goods, lifecycle, parties
from smartcustoms.exports.models import ExportDeclaration, ExportDeclarationLine, ExportHit
from smartcustoms.exports.schemas import ExportDeclarationIn
from smartcustoms.exports.service import _count_open, record_change, remembered
from smartcustoms.identity.models import Trader
from smartcustoms.reference import codes
from smartcustoms.risk import rules
from smartcustoms.risk.service import active_profiles
from smartcustoms.settings import get_settings


def check_codes(body: ExportDeclarationIn) -> list[FieldError]:
    """Errors that need the shipped code lists: HS 2022, countries, currency and its minor unit."""
    settings = get_settings()
    errors: list[FieldError] = []
    end_user = body.end_user or body.consignee
    for path, value in (("exporter.country", body.exporter.country), ("consignee.country", body.consignee.country),
                        ("end_user.country", end_user.country), ("destination_country", body.destination_country)):
        if not codes.is_country(value):
            errors.append(FieldError(path, f"unknown country code {value!r} (ISO 3166-1 alpha-2)", "unknown_country"))
    if body.exporter.country != "JP" and codes.is_country(body.exporter.country):
        errors.append(FieldError("exporter.country", "an export declaration in Japan has a Japanese exporter (JP)",
                                 "not_japanese_exporter"))
    if body.destination_country == "JP":
        errors.append(FieldError("destination_country", "an export leaves Japan: give the country of destination",
                                 "destination_is_japan"))
    if not codes.is_currency(body.currency):
        errors.append(FieldError("currency", f"unknown currency {body.currency!r} (ISO 4217)", "unknown_currency"))
    minor = codes.currency_minor_unit(body.currency)
    if len(body.lines) > settings.max_lines_per_declaration:
        errors.append(FieldError("lines", f"at most {settings.max_lines_per_declaration} lines per declaration",
                                 "too_many_lines"))
        return errors
    for i, line in enumerate(body.lines):
        p = f"lines[{i}]"
        problem = codes.hs_problem(line.hs_code)
        if problem:
            errors.append(FieldError(f"{p}.hs_code", f"unknown HS code {line.hs_code!r}: {problem}", "unknown_hs_code"))
        if line.value > settings.max_line_value:
            errors.append(FieldError(f"{p}.value", f"above the limit of {settings.max_line_value}", "absurd"))
        elif minor is not None and line.value != line.value.quantize(Decimal(1).scaleb(-minor)):
            errors.append(FieldError(f"{p}.value", f"{body.currency} has {minor} decimal places", "too_precise"))
        if line.quantity > settings.max_line_quantity:
            errors.append(FieldError(f"{p}.quantity", f"above the limit of {settings.max_line_quantity}", "absurd"))
    return errors


def check_party_names(body: ExportDeclarationIn) -> list[FieldError]:
    """Every party name the matcher cannot use (punctuation only, only legal-form words ...), all at once and before
    anything is screened or recorded."""
    try:
        from smartcustoms.screening.service import validate_name
    except ImportError:
        return []
    errors: list[FieldError] = []
    parties = [("exporter", body.exporter.name), ("consignee", body.consignee.name)]
    if body.end_user is not None:
        parties.append(("end_user", body.end_user.name))
    for role, name in parties:
        try:
            validate_name(name)
        except ValidationFailed as exc:
            errors.extend(FieldError(f"{role}.{e.field}", e.reason, e.code) for e in exc.errors)
    return errors


@dataclass
class Screening:
    """Party hits, the list versions used, and whether screening could run at all."""

    hits: list[parties.PartyHit] = field(default_factory=list)
    list_versions: dict[str, str] = field(default_factory=dict)
    problem: str | None = None


def screen_parties(session: Session, named: list[tuple[str, str, str]], actor: str = "system") -> Screening:
    """Every party against the watch lists and the METI export prohibition lists; (role, name, country) each."""
    out = Screening()
    try:
        from smartcustoms.screening import service as screening

        out.list_versions = dict(screening.active_versions(session))
    except ImportError:
        out.problem = "the screening service is not installed"
    if out.problem is None and not out.list_versions:
        out.problem = "no watch list is loaded (smartcustoms watchlists load)"
    for lst in control_data.prohibition_lists():
        out.list_versions[lst["list_code"]] = lst["version"]
    seen: set[tuple[str, str]] = set()
    for role, name, country in named:
        if (name, country) in seen:  # the end user is often the consignee itself
            continue
        seen.add((name, country))
        out.hits.extend(parties.prohibition_hits(role, name, country))
        if out.problem is None:
            hits, _versions = parties.watchlist_hits(session, role, name, country, actor)
            out.hits.extend(hits)
    return out


def _lines_jpy(session: Session, body: ExportDeclarationIn, on: date) -> tuple[list[int], dict[str, Any] | None]:
    rate, exchange = _weekly_rate(session, body.currency, on)
    return [int((li.value * rate).to_integral_value(rounding=ROUND_FLOOR)) for li in body.lines], exchange


def hit_row(h: parties.PartyHit | goods.GoodsFinding, state: str) -> ExportHit:
    if isinstance(h, parties.PartyHit):
        return ExportHit(kind="party", party_role=h.role, party_name=h.party_name, party_country=h.party_country,
                         line_no=None, list_code=h.list_code, list_version=h.list_version[:120],
                         entry_id=h.entry_id[:200], entry_name=h.entry_name[:500], entry_digest=h.entry_digest[:64],
                         matched_name=h.matched_name[:500], score=h.score, reason=h.reason,
                         licence_question=goods.LICENCE_QUESTION, licences=[], state=state)
    return ExportHit(kind=h.kind, party_role=None, party_name=None, party_country=None, line_no=h.line_no,
                     list_code=h.list_code, list_version=h.list_version[:120], entry_id=h.entry_id,
                     entry_name=h.entry_name, entry_digest=h.digest, matched_name=h.matched[:500], score=1.0,
                     reason=h.reason, licence_question=h.licence_question, licences=list(h.licences), state=state)


def _reason(kind: str, lane: int, text: str, lines: list[int] | None = None) -> dict[str, Any]:
    return {"kind": kind, "profile_id": None, "profile": kind, "lane": lane, "reason": text, "matched": {},
            "lines": lines or [], "random": False}


@dataclass
class Evaluation:
    """Everything a lodgement or an amendment decides about a body before it is stored."""

    on: date
    values_jpy: list[int]
    exchange: dict[str, Any] | None
    named: list[tuple[str, str, str]]
    screening: Screening
    party_rows: list[ExportHit]
    goods_rows: list[ExportHit]
    lane: int
    reasons: list[dict[str, Any]]
    prohibited: bool


def evaluate(session: Session, body: ExportDeclarationIn, declaration_id: str, on: date) -> Evaluation:
    """Screen the parties, check goods and destination and choose the lane (nothing stored)."""
    errors = check_codes(body) + check_party_names(body)
    if errors:
        raise ValidationFailed(errors)
    values_jpy, exchange = _lines_jpy(session, body, on)
    end_user = body.end_user or body.consignee
    named = [("exporter", body.exporter.name, body.exporter.country),
             ("consignee", body.consignee.name, body.consignee.country),
             ("end_user", end_user.name, end_user.country)]
    screening = screen_parties(session, named, f"export:{declaration_id}")
    screening.list_versions.update(control_data.rule_versions())  # the goods and destination rules, hit or not

    party_rows: list[ExportHit] = []
    for ph in screening.hits:
        state = (lifecycle.HIT_REMEMBERED if remembered(session, ph.party_name, ph.party_country, ph.list_code,
                                                        ph.entry_id, ph.entry_digest) else lifecycle.HIT_OPEN)
        party_rows.append(hit_row(ph, state))
    end_user_flagged = any(ph.end_user_list for ph, row in zip(screening.hits, party_rows, strict=True)
                           if row.state == lifecycle.HIT_OPEN)
    lines = [goods.GoodsLine(n, codes.normalise_hs(li.hs_code), li.description, tuple(li.licences))
             for n, li in enumerate(body.lines, start=1)]
    findings = goods.check(lines, body.destination_country, control_data.tables(), end_user_flagged,
                           [("consignee", body.consignee.country), ("end_user", end_user.country)])
    goods_rows = [hit_row(f, lifecycle.HIT_OPEN) for f in findings]

    # Lane: selectivity profiles (HS, exporter code, consignee name, value, random) plus screening and goods.
    total_jpy = sum(values_jpy)
    ctx = rules.LaneContext(
        declaration_id=declaration_id, on=on, importer_code=body.exporter.code, consignor_name=body.consignee.name,
        aeo=False, total_value_jpy=total_jpy,
        lines=[rules.LineFacts(g.line_no, g.hs_code, "", False) for g in lines],
    )
    secret = get_settings().sampling_secret
    decision = rules.select_lane(active_profiles(session), ctx,
                                 lambda pid: rules.sampling_draw(secret, declaration_id, pid))
    reasons = [r for r in decision.reasons() if r["kind"] != "default"]
    lane = decision.lane
    open_party = [r for r in party_rows if r.state == lifecycle.HIT_OPEN]
    if open_party:
        lane = max(lane, 2)
        reasons.append(_reason("screening", 2, f"{len(open_party)} party hit(s) on watch lists to resolve. "
                                                f"{goods.LICENCE_QUESTION}"))
    for f in findings:
        f_lane = 3 if f.effect == "prohibited" else 2
        lane = max(lane, f_lane)
        reasons.append(_reason(f.kind, f_lane, f"{f.reason} {f.licence_question}",
                               [f.line_no] if f.line_no else []))
    if screening.problem:
        lane = max(lane, 2)
        reasons.append(_reason("screening", 2, f"parties could not be screened: {screening.problem}"))
    if not reasons:
        reasons = decision.reasons()
    return Evaluation(on, values_jpy, exchange, named, screening, party_rows, goods_rows, lane, reasons,
                      any(f.effect == "prohibited" for f in findings))


def _apply(d: ExportDeclaration, body: ExportDeclarationIn, ev: Evaluation) -> None:
    """Write a body and its evaluation onto the declaration (lines and hits replaced)."""
    end_user = body.end_user or body.consignee
    d.exporter_code, d.exporter_name = body.exporter.code, body.exporter.name
    d.exporter_address, d.exporter_country = body.exporter.address, body.exporter.country
    d.consignee_name, d.consignee_address = body.consignee.name, body.consignee.address
    d.consignee_country, d.end_user_name, d.end_user_country = body.consignee.country, end_user.name, end_user.country
    d.destination_country, d.transport_mode, d.office = body.destination_country, body.transport_mode, body.office
    d.currency, d.exchange_rate, d.total_value_jpy = body.currency, ev.exchange, sum(ev.values_jpy)
    d.lines = [ExportDeclarationLine(line_no=n, hs_code=codes.normalise_hs(li.hs_code), description=li.description,
                                     quantity=li.quantity, unit=li.unit, value=li.value,
                                     value_jpy=ev.values_jpy[n - 1], licences=list(li.licences))
               for n, li in enumerate(body.lines, start=1)]
    d.hits = ev.party_rows + ev.goods_rows
    d.open_hits = _count_open(d)
    d.screening = {
        "list_versions": ev.screening.list_versions,
        "parties": [{"role": r, "name": n, "country": c} for r, n, c in ev.named],
        "problem": ev.screening.problem,
        "hits": {state: sum(1 for h in d.hits if h.state == state) for state in lifecycle.HIT_STATES},
        "open_hits": d.open_hits,
    }


def lodge(session: Session, body: ExportDeclarationIn, trader: Trader) -> ExportDeclaration:
    """Lodge an export: screen its parties, check its goods and destination, give it a lane, store and audit it."""
    now = utcnow()
    declaration_id = str(uuid.uuid4())
    ev = evaluate(session, body, declaration_id, declaration_date(now))
    d = ExportDeclaration(id=declaration_id, trader_id=trader.id, declared_on=ev.on, lane=ev.lane,
                          lane_reasons=ev.reasons, status=lifecycle.pending_status(ev.lane, ev.prohibited), version=1,
                          lodged_at=now, updated_at=now)
    _apply(d, body, ev)
    session.add(d)
    session.flush()
    reason = "lane 1: export permitted at lodgement" if ev.lane == 1 else f"lane {ev.lane} selected at lodgement"
    record_change(session, d, "lodged", None, reason, f"trader:{trader.code}",
                  {"lane_reasons": ev.reasons, "list_versions": ev.screening.list_versions,
                   "open_hits": d.open_hits})
    return d


def amend(session: Session, d: ExportDeclaration, body: ExportDeclarationIn, trader: Trader,
          if_match: int | None) -> ExportDeclaration:
    """Amend an export before any decision: everything is screened and checked again; the lane never falls.

    Only an export waiting for review or inspection can be amended — not one released, rejected or held (a
    prohibited destination, a confirmed true match or an officer's hold: changing a name must not be a way out of
    a hold). The hits of the previous version are replaced by the new screening's; the previous hits and their
    verdicts stay in the audit entry of the amendment, and remembered false positives still apply. The caller
    reads `d` locked (`service.get_for_trader(..., for_update=True)`), so a verdict in flight is seen, not undone.
    """
    if if_match is not None and if_match != d.version:
        raise PreconditionFailed(f"export declaration is at version {d.version}, not {if_match}")
    if d.status not in lifecycle.ALLOWED_FROM["amend"]:
        raise Conflict(f"an export that is {d.status.replace('_', ' ')} cannot be amended", "status", "wrong_state")
    if any(h.state == lifecycle.HIT_TRUE for h in d.hits):
        raise Conflict("a hit on this export was confirmed as a true match: it cannot be amended", "status",
                       "wrong_state")
    ev = evaluate(session, body, d.id, d.declared_on)
    from_status, old_lane = d.status, d.lane
    previous = [{"kind": h.kind, "party_role": h.party_role, "line_no": h.line_no, "list_code": h.list_code,
                 "entry_id": h.entry_id, "state": h.state, "resolved_by": h.resolved_by}
                for h in d.hits]
    # Old lines and hits go first: the unit of work would otherwise insert the new (declaration, line_no) rows
    # before deleting the old ones.
    d.lines.clear()
    d.hits.clear()
    session.flush()
    _apply(d, body, ev)
    lane, reasons = max(old_lane, ev.lane), list(ev.reasons)
    if lane > ev.lane:
        reasons.append(_reason("amendment", old_lane, f"lane {old_lane} kept: an amendment never lowers the lane"))
    d.lane, d.lane_reasons = lane, reasons
    d.status = lifecycle.pending_status(lane, ev.prohibited)
    d.version += 1
    d.updated_at = utcnow()
    session.flush()
    record_change(session, d, "amended", from_status, f"amended by trader (version {d.version})",
                  f"trader:{trader.code}", {"lane_reasons": reasons, "list_versions": ev.screening.list_versions,
                                            "open_hits": d.open_hits, "previous_hits": previous})
    return d
