"""Filing and listing means-of-payment declarations (the caller owns the transaction)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from decimal import ROUND_FLOOR, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smartcustoms.audit import service as audit
from smartcustoms.db import utcnow
from smartcustoms.errors import FieldError, NotFound, ValidationFailed
from smartcustoms.meansofpayment import rules
from smartcustoms.meansofpayment.models import MeansOfPaymentDeclaration, MeansOfPaymentItem
from smartcustoms.meansofpayment.schemas import MeansOfPaymentIn
from smartcustoms.reference import codes
from smartcustoms.reference.service import rate_on

JST = ZoneInfo("Asia/Tokyo")
MONEY_KINDS = ("cash", "cheque", "security", "promissory_note")


def today_jst() -> date:
    return datetime.now(JST).date()


def _check(body: MeansOfPaymentIn, on: date) -> list[FieldError]:
    errors: list[FieldError] = []
    for name in ("family_name", "given_name"):
        if not any(c.isalpha() for c in getattr(body, name)):
            errors.append(FieldError(name, "a name with at least one letter", "no_letters"))
    for name in ("nationality", "origin_country", "destination_country"):
        if not codes.is_country(getattr(body, name)):
            errors.append(FieldError(name, f"unknown country code {getattr(body, name)!r}", "unknown_country"))
    if body.date_of_birth >= on or body.date_of_birth.year < 1900:
        errors.append(FieldError("date_of_birth", "a date in the past", "impossible_date"))
    if abs((on - today_jst()).days) > 366:
        errors.append(FieldError("travel_date", "within a year of today", "impossible_date"))
    if body.direction == "arrival" and body.destination_country != "JP":
        errors.append(FieldError("destination_country", "JP on arrival in Japan", "not_japan"))
    if body.direction == "departure" and body.origin_country != "JP":
        errors.append(FieldError("origin_country", "JP on departure from Japan", "not_japan"))
    for i, item in enumerate(body.items):
        p = f"items[{i}]"
        if item.kind in MONEY_KINDS:
            if item.currency is None:
                errors.append(FieldError(f"{p}.currency", "required for cash, cheques, securities and notes",
                                         "required"))
            elif not codes.is_currency(item.currency):
                errors.append(FieldError(f"{p}.currency", f"unknown currency {item.currency!r} (ISO 4217)",
                                         "unknown_currency"))
            if item.amount is None:
                errors.append(FieldError(f"{p}.amount", "required for cash, cheques, securities and notes",
                                         "required"))
            if item.weight_g is not None or item.purity is not None:
                errors.append(FieldError(f"{p}.weight_g", "only for gold bullion", "not_applicable"))
        else:
            if item.weight_g is None:
                errors.append(FieldError(f"{p}.weight_g", "gold bullion needs its weight in grams", "required"))
            if item.purity is None:
                errors.append(FieldError(f"{p}.purity", "gold bullion needs its fineness (0 to 1)", "required"))
            if item.amount is not None or item.currency is not None:
                errors.append(FieldError(f"{p}.amount", "gold bullion is declared by weight, not amount",
                                         "not_applicable"))
    return errors


def _to_yen(session: Session, currency: str, amount: Decimal, on: date, path: str) -> tuple[int, dict[str, Any] | None]:
    if currency == "JPY":
        if amount != amount.to_integral_value():
            raise ValidationFailed([FieldError(f"{path}.amount", "whole yen", "too_precise")])
        return int(amount), None
    row = rate_on(session, currency, on)
    if row is None:
        raise ValidationFailed([FieldError(f"{path}.currency",
                                           f"no customs weekly exchange rate for {currency} in force on {on}",
                                           "no_exchange_rate")])
    yen = int((amount * row.rate_jpy).to_integral_value(rounding=ROUND_FLOOR))
    return yen, {"currency": row.currency, "rate_jpy": str(row.rate_jpy), "valid_from": row.valid_from.isoformat(),
                 "valid_to": row.valid_to.isoformat(), "source": row.source}


def _screen(session: Session, body: MeansOfPaymentIn) -> list[dict[str, Any]] | None:
    """Watch-list hits of the traveller, or None when the screening service is not installed."""
    try:
        from smartcustoms.screening.service import screen_party
    except ImportError:
        return None
    result = screen_party(session, f"{body.given_name} {body.family_name}", country=body.nationality,
                          date_of_birth=body.date_of_birth, actor="means-of-payment")
    return [{"list_code": h.list_code, "entry_name": h.entry_name, "score": h.score, "reason": h.reason}
            for h in result.hits]


def file(session: Session, body: MeansOfPaymentIn, *, idempotency_key: str | None = None,
         request_hash: str = "") -> MeansOfPaymentDeclaration:
    """Validate, convert at the weekly rate, decide whether declaration was required, flag, store, audit."""
    on = body.travel_date or today_jst()
    errors = _check(body, on)
    if errors:
        raise ValidationFailed(errors)
    try:
        th = rules.thresholds_on(on)
    except rules.NoThresholdInForce as exc:
        raise ValidationFailed([FieldError("travel_date", str(exc), "no_rule_in_force")]) from exc
    items: list[MeansOfPaymentItem] = []
    total = 0
    gold: list[tuple[Decimal, Decimal]] = []
    for n, item in enumerate(body.items):
        yen, rate = 0, None
        if item.kind in MONEY_KINDS:
            assert item.currency is not None and item.amount is not None
            yen, rate = _to_yen(session, item.currency, item.amount, on, f"items[{n}]")
            total += yen
        else:
            assert item.weight_g is not None and item.purity is not None
            gold.append((item.weight_g, item.purity))
        items.append(MeansOfPaymentItem(item_no=n + 1, kind=item.kind, currency=item.currency, amount=item.amount,
                                        amount_jpy=yen, rate=rate, weight_g=item.weight_g, purity=item.purity,
                                        description=item.description))
    req = rules.requirement(body.direction, body.destination_country, total, gold, th)
    past = [rules.PastFiling(d.id, d.travel_date, d.total_jpy, d.limit_jpy) for d in session.scalars(
        select(MeansOfPaymentDeclaration).where(
            MeansOfPaymentDeclaration.passport_number == body.passport_number,
            MeansOfPaymentDeclaration.travel_date >= on - timedelta(days=rules.STRUCTURING_WINDOW_DAYS),
            MeansOfPaymentDeclaration.travel_date <= on + timedelta(days=rules.STRUCTURING_WINDOW_DAYS)))]
    flags = rules.flags(travel_date=on, total_jpy=total, limit_jpy=req.limit_jpy, direction=body.direction,
                        origin_country=body.origin_country, destination_country=body.destination_country,
                        past=past, watchlist_hits=_screen(session, body))
    d = MeansOfPaymentDeclaration(
        id=str(uuid.uuid4()), family_name=body.family_name, given_name=body.given_name,
        nationality=body.nationality, passport_number=body.passport_number, date_of_birth=body.date_of_birth,
        direction=body.direction, travel_date=on, flight=body.flight, origin_country=body.origin_country,
        destination_country=body.destination_country, total_jpy=total,
        gold_bullion_g=sum((w for w, _ in gold), Decimal(0)), limit_jpy=req.limit_jpy,
        declaration_required=req.required, required_reasons=req.reasons, flags=flags, thresholds=th.sources,
        idempotency_key=idempotency_key, request_hash=request_hash, filed_at=utcnow(), items=items,
    )
    session.add(d)
    session.flush()
    audit.append(session, actor="traveller", action="means_of_payment.filed", entity_type="mop_declaration",
                 entity_id=d.id, data={"passport_number": d.passport_number, "direction": d.direction,
                                       "total_jpy": total, "required": req.required,
                                       "flags": [f["code"] for f in flags]})
    return d


def by_key(session: Session, key: str) -> MeansOfPaymentDeclaration | None:
    return session.scalar(select(MeansOfPaymentDeclaration).where(MeansOfPaymentDeclaration.idempotency_key == key))


def get(session: Session, declaration_id: str) -> MeansOfPaymentDeclaration:
    try:  # ids are UUIDs; anything else (a NUL byte, which PostgreSQL refuses in a query) is simply not found
        key = str(uuid.UUID(declaration_id)) if len(declaration_id) == 36 else ""
    except ValueError:
        key = ""
    d = session.get(MeansOfPaymentDeclaration, key) if key else None
    if d is None:
        raise NotFound(f"means-of-payment declaration {declaration_id}")
    return d


def listing(session: Session, *, flagged_only: bool = False, limit: int = 100,
            offset: int = 0) -> tuple[list[MeansOfPaymentDeclaration], int]:
    """Newest first; flagged_only keeps those with a risk flag (text match on the stored flags)."""
    where = []
    if flagged_only:
        where.append(MeansOfPaymentDeclaration.flags != "[]")
    total = session.scalar(select(func.count()).select_from(MeansOfPaymentDeclaration).where(*where)) or 0
    rows = session.scalars(select(MeansOfPaymentDeclaration).where(*where)
                           .order_by(MeansOfPaymentDeclaration.filed_at.desc(), MeansOfPaymentDeclaration.id)
                           .limit(limit).offset(offset))
    return list(rows), total


def to_out(d: MeansOfPaymentDeclaration, audience: str = "traveller") -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": d.id, "family_name": d.family_name, "given_name": d.given_name, "nationality": d.nationality,
        "passport_number": d.passport_number, "date_of_birth": d.date_of_birth.isoformat(),
        "direction": d.direction, "travel_date": d.travel_date.isoformat(), "flight": d.flight,
        "origin_country": d.origin_country, "destination_country": d.destination_country,
        "total_jpy": d.total_jpy, "gold_bullion_g": format(d.gold_bullion_g, "f"), "limit_jpy": d.limit_jpy,
        "declaration_required": d.declaration_required, "required_reasons": d.required_reasons,
        "thresholds": d.thresholds, "filed_at": d.filed_at.isoformat(),
        "items": [{"kind": i.kind, "currency": i.currency, "amount": format(i.amount, "f") if i.amount else None,
                   "amount_jpy": i.amount_jpy, "rate": i.rate,
                   "weight_g": format(i.weight_g, "f") if i.weight_g else None,
                   "purity": format(i.purity, "f") if i.purity else None, "description": i.description}
                  for i in d.items],
    }
    if audience == "officer":
        out["flags"] = d.flags
    return out
