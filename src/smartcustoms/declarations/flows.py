"""The story of an import declaration, top to bottom: validate → convert → assess → lane → persist → audit.

Every step that spans domains lives here so the path of a declaration reads in one place. The
caller (API route) owns the transaction: nothing here commits.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_FLOOR, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from smartcustoms.db import utcnow
from smartcustoms.declarations import lifecycle, payment
from smartcustoms.declarations.models import DeclarationLine, ImportDeclaration
from smartcustoms.declarations.schemas import ImportDeclarationIn
from smartcustoms.declarations.service import record_change
from smartcustoms.errors import Conflict, FieldError, PreconditionFailed, ValidationFailed
from smartcustoms.exports import import_screening
from smartcustoms.identity.models import Trader
from smartcustoms.identity.service import is_aeo_importer
from smartcustoms.reference import codes
from smartcustoms.reference.service import rate_on
from smartcustoms.risk import rules, scoring
from smartcustoms.risk.platform_data import line_records
from smartcustoms.risk.service import active_profiles
from smartcustoms.settings import get_settings
from smartcustoms.tariff import calc, tables
from smartcustoms.tariff.service import rates_for

JST = ZoneInfo("Asia/Tokyo")


def declaration_date(at: datetime) -> date:
    """Japan's calendar date of a moment (rates and rules are in force per Japanese date)."""
    return at.astimezone(JST).date()


def check_codes(body: ImportDeclarationIn) -> list[FieldError]:
    """Errors that need the shipped code lists: HS, countries, currency and its minor unit."""
    settings = get_settings()
    errors: list[FieldError] = []
    for path, value in (("importer.country", body.importer.country), ("consignor.country", body.consignor.country)):
        if not codes.is_country(value):
            errors.append(FieldError(path, f"unknown country code {value!r} (ISO 3166-1 alpha-2)", "unknown_country"))
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
        if not codes.is_country(line.origin_country):
            errors.append(FieldError(f"{p}.origin_country", f"unknown country code {line.origin_country!r}",
                                     "unknown_country"))
        if line.customs_value > settings.max_line_value:
            errors.append(FieldError(f"{p}.customs_value", f"above the limit of {settings.max_line_value}", "absurd"))
        elif minor is not None and line.customs_value != line.customs_value.quantize(Decimal(1).scaleb(-minor)):
            errors.append(FieldError(f"{p}.customs_value", f"{body.currency} has {minor} decimal places",
                                     "too_precise"))
        if line.quantity > settings.max_line_quantity:
            errors.append(FieldError(f"{p}.quantity", f"above the limit of {settings.max_line_quantity}", "absurd"))
        if line.net_mass_kg > settings.max_line_quantity:
            errors.append(FieldError(f"{p}.net_mass_kg", f"above the limit of {settings.max_line_quantity}", "absurd"))
    return errors


@dataclass
class Evaluation:
    """Everything the platform works out for a declaration before it is stored."""

    on: date
    exchange_rate: dict[str, Any] | None
    assessment: calc.Assessment
    aeo: bool
    decision: rules.LaneDecision
    risk: dict[str, Any]


def evaluate(
    session: Session, body: ImportDeclarationIn, trader: Trader, declaration_id: str, on: date
) -> Evaluation:
    """Validate, convert to yen, assess duty and tax, score, and select the lane; raises ValidationFailed."""
    errors = check_codes(body)
    if errors:
        raise ValidationFailed(errors)
    rate, exchange = _weekly_rate(session, body.currency, on)
    inputs = _line_inputs(session, body, rate, on)
    assessment = _assess(inputs, body, on)
    aeo = is_aeo_importer(session, body.importer.code, trader)
    signal, risk_view = scoring.score(session, _risk_records(body, trader, declaration_id, on, assessment))
    by_line = {al.line_no: al for al in assessment.lines}
    ctx = rules.LaneContext(
        declaration_id=declaration_id, on=on, importer_code=body.importer.code, consignor_name=body.consignor.name,
        aeo=aeo, total_value_jpy=assessment.customs_value_jpy,
        lines=[rules.LineFacts(li.line_no, li.hs_code, bl.origin_country, by_line[li.line_no].rate_mismatch)
               for li, bl in zip(inputs, body.lines, strict=True)],
    )
    secret = get_settings().sampling_secret
    decision = rules.select_lane(active_profiles(session), ctx,
                                 lambda pid: rules.sampling_draw(secret, declaration_id, pid), score=signal)
    if import_screening.enabled():  # SMARTCUSTOMS_SCREEN_IMPORT_PARTIES: screen importer and consignor too
        parties = [("importer", body.importer.name, body.importer.country),
                   ("consignor", body.consignor.name, body.consignor.country)]
        screened = import_screening.hits(session, parties, f"import:{declaration_id}")
        decision = rules.decide_lane([*decision.hits, *screened])
    return Evaluation(on, exchange, assessment, aeo, decision, risk_view)


def _weekly_rate(session: Session, currency: str, on: date) -> tuple[Decimal, dict[str, Any] | None]:
    """Yen per unit of the declaration currency on the declaration date, and the rate's record."""
    if currency == "JPY":
        return Decimal(1), None
    row = rate_on(session, currency, on)
    if row is None:
        raise ValidationFailed([FieldError(
            "currency", f"no customs weekly exchange rate for {currency} in force on {on.isoformat()}",
            "no_exchange_rate")])
    return row.rate_jpy, {"currency": row.currency, "rate_jpy": str(row.rate_jpy),
                          "valid_from": row.valid_from.isoformat(), "valid_to": row.valid_to.isoformat(),
                          "source": row.source}


def _line_inputs(session: Session, body: ImportDeclarationIn, rate: Decimal, on: date) -> list[calc.LineInput]:
    """Each line in yen with the tariff schedule's rate for its code (one query for all lines)."""
    schedule = rates_for(session, [line.hs_code for line in body.lines], on)
    unsettled = [
        FieldError(f"lines[{i}].hs_code", schedule.problems[codes.normalise_hs(line.hs_code)], "ambiguous_tariff_line")
        for i, line in enumerate(body.lines) if codes.normalise_hs(line.hs_code) in schedule.problems
    ]
    if unsettled:
        raise ValidationFailed(unsettled)
    inputs = []
    for n, line in enumerate(body.lines, start=1):
        hs = codes.normalise_hs(line.hs_code)
        tariff = schedule.get(hs)
        # Conversion to yen drops fractions of a yen (円未満切捨て).
        value_jpy = int((line.customs_value * rate).to_integral_value(rounding=ROUND_FLOOR))
        inputs.append(calc.LineInput(
            line_no=n, hs_code=hs, value_jpy=value_jpy, quantity=line.quantity, unit=line.unit,
            net_mass_kg=line.net_mass_kg, claimed_rate=line.duty_rate,
            tariff_rate=tariff[0] if tariff else None, ct_kind=line.consumption_tax,
        ))
    return inputs


def _assess(inputs: list[calc.LineInput], body: ImportDeclarationIn, on: date) -> calc.Assessment:
    """Duty and consumption tax, with calculation errors turned into field errors."""
    try:
        return calc.assess(inputs, on=on, personal_use=body.personal_use,
                           simplified_opt_out=body.simplified_tariff_opt_out, tables=tables.load_tables())
    except calc.UnitMismatch as exc:
        raise ValidationFailed([FieldError(f"lines[{exc.line_no - 1}].unit", str(exc), "unit_mismatch")]) from exc
    except tables.NoEffectiveRule as exc:
        raise ValidationFailed([FieldError("declared_on", str(exc), "no_rule_in_force")]) from exc


def _risk_records(
    body: ImportDeclarationIn, trader: Trader, declaration_id: str, on: date, assessment: calc.Assessment
) -> list[dict[str, object]]:
    """The declaration's lines as the risk model reads them."""
    return line_records(
        declaration_id=declaration_id, declared_on=on, office=body.office, transport_mode=body.transport_mode,
        personal_use=body.personal_use, trader_code=trader.code, importer_code=body.importer.code,
        consignor_name=body.consignor.name, consignor_country=body.consignor.country,
        lines=[{**li.model_dump(), "hs_code": codes.normalise_hs(li.hs_code)} for li in body.lines],
        assessed_lines=[{"line_no": al.line_no, "value_jpy": al.value_jpy, "rate_source": al.rate_source,
                         "applied_rate": {"ad_valorem": al.applied_rate.ad_valorem}} for al in assessment.lines],
    )


def _apply(d: ImportDeclaration, body: ImportDeclarationIn, ev: Evaluation) -> None:
    d.importer_code, d.importer_name, d.importer_country = body.importer.code, body.importer.name, body.importer.country
    d.consignor_name, d.consignor_country = body.consignor.name, body.consignor.country
    d.transport_mode, d.office, d.currency = body.transport_mode, body.office, body.currency
    d.personal_use, d.simplified_tariff_opt_out = body.personal_use, body.simplified_tariff_opt_out
    d.aeo_importer = ev.aeo
    d.risk = ev.risk
    d.assessment = ev.assessment.to_dict()
    d.exchange_rate = ev.exchange_rate
    d.customs_value_jpy = ev.assessment.customs_value_jpy
    d.total_jpy = ev.assessment.total_jpy
    d.lines = [
        DeclarationLine(
            line_no=n, hs_code=codes.normalise_hs(li.hs_code), description=li.description, quantity=li.quantity,
            unit=li.unit, net_mass_kg=li.net_mass_kg, customs_value=li.customs_value,
            origin_country=li.origin_country, duty_rate=li.duty_rate, consumption_tax=li.consumption_tax,
        )
        for n, li in enumerate(body.lines, start=1)
    ]


def lodge(session: Session, body: ImportDeclarationIn, trader: Trader) -> ImportDeclaration:
    """Lodge a new import declaration: assess it, give it a lane, store it, audit it."""
    now = utcnow()
    declaration_id = str(uuid.uuid4())
    ev = evaluate(session, body, trader, declaration_id, declaration_date(now))
    d = ImportDeclaration(id=declaration_id, trader_id=trader.id, declared_on=ev.on, version=1,
                          lodged_at=now, updated_at=now)
    _apply(d, body, ev)
    d.lane = ev.decision.lane
    d.lane_reasons = ev.decision.reasons()
    d.status = lifecycle.pending_status(d.lane)
    session.add(d)
    session.flush()
    reason = "lane 1: permitted at lodgement" if d.lane == 1 else f"lane {d.lane} selected at lodgement"
    if d.status == lifecycle.RELEASED:
        # Lane 1 is permitted at once; with duty and tax due it waits for payment (declarations/payment.py).
        order = payment.permit(session, d, f"trader:{trader.code}")
        reason += payment.permit_note(d, order)
    record_change(session, d, "lodged", None, reason, f"trader:{trader.code}",
                  {"assessment_total": d.total_jpy, "lane_reasons": d.lane_reasons})
    return d


def amend(
    session: Session, d: ImportDeclaration, body: ImportDeclarationIn, trader: Trader, if_match: int | None
) -> ImportDeclaration:
    """Amend a declaration before release; amendments never lower the lane already given. The caller reads `d`
    locked (`service.get_for_trader(..., for_update=True)`), so a decision in flight is seen, not undone."""
    if if_match is not None and if_match != d.version:
        raise PreconditionFailed(f"declaration is at version {d.version}, not {if_match}")
    if d.status not in lifecycle.ALLOWED_FROM["amend"]:
        raise Conflict(f"a declaration that is {d.status.replace('_', ' ')} cannot be amended", "status",
                       "wrong_state")
    ev = evaluate(session, body, trader, f"{d.id}:v{d.version + 1}", d.declared_on)
    from_status, old_lane = d.status, d.lane
    # Old lines go first: the unit of work would otherwise insert the new (declaration, line_no) rows
    # before deleting the old ones and trip the unique constraint.
    d.lines.clear()
    session.flush()
    _apply(d, body, ev)
    new_lane = max(old_lane, ev.decision.lane)
    reasons = ev.decision.reasons()
    if new_lane > ev.decision.lane:
        reasons.append({"kind": "amendment", "profile_id": None, "profile": "amendment", "lane": old_lane,
                        "reason": f"lane {old_lane} kept: an amendment never lowers the lane", "matched": {},
                        "lines": [], "random": False})
    d.lane, d.lane_reasons = new_lane, reasons
    # An amendment sends the declaration back to its lane's queue.
    d.status = lifecycle.pending_status(new_lane)
    d.version += 1
    d.updated_at = utcnow()
    session.flush()
    record_change(session, d, "amended", from_status, f"amended by trader (version {d.version})",
                  f"trader:{trader.code}", {"assessment_total": d.total_jpy})
    return d
