"""Passenger declarations in the database: declare (assess, screen, sign), look up (the caller owns the transaction)."""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import unicodedata
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_FLOOR, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from smartcustoms.audit import service as audit
from smartcustoms.db import utcnow
from smartcustoms.errors import FieldError, NotFound, ValidationFailed
from smartcustoms.reference import codes
from smartcustoms.reference import service as reference
from smartcustoms.settings import get_settings
from smartcustoms.tariff.tables import NoEffectiveRule
from smartcustoms.travellers import codec, keys, rules
from smartcustoms.travellers.models import PassengerDeclaration
from smartcustoms.travellers.schemas import GoodsIn, OtherGoodsIn, PassengerDeclarationIn
from smartcustoms.travellers.tables import load_tables

JST = ZoneInfo("Asia/Tokyo")
VALID_DAYS_AFTER_ARRIVAL = 2  # the QR works until 23:59:59 JST two days after the arrival date (or the filing date)
# Filing after arrival is allowed for six months: unaccompanied baggage is declared on entry but may be cleared up to
# six months later (Customs Answer 1301), and a traveller may file at the airport after landing.
ARRIVAL_WINDOW_PAST_DAYS = 183
ARRIVAL_WINDOW_FUTURE_DAYS = 365
# Reasons a traveller is told to go to the counter; the watch-list reason is never shown to the traveller.
TRAVELLER_REASONS = ("allowance_exceeded", "unaccompanied_baggage", "means_of_payment", "prohibited_goods",
                     "restricted_goods", "commercial_goods", "goods_for_others")
_ID_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I, so an officer can read it out


def new_id() -> str:
    return "PD" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(12))


def expires_at(arrival: date, filed_on: date | None = None) -> datetime:
    """End of the second day after arrival, Japan time; a declaration filed after arrival gets the same two days
    from its filing date (JST), so a QR is never born expired."""
    start = max(arrival, filed_on) if filed_on else arrival
    end = datetime.combine(start + timedelta(days=VALID_DAYS_AFTER_ARRIVAL), time(23, 59, 59), JST)
    return end.astimezone(UTC)


def _to_jpy(session: Session, g: OtherGoodsIn, on: date, field: str, errors: list[FieldError]) -> int | None:
    """The yen value of one article; a foreign value at the weekly rate of the arrival date (yen fractions dropped)."""
    if g.value_jpy is not None:
        return g.value_jpy
    assert g.value is not None and g.currency is not None
    if g.currency == "JPY":
        return int(g.value.to_integral_value(rounding=ROUND_FLOOR))
    if not codes.is_currency(g.currency):
        errors.append(FieldError(f"{field}.currency", f"unknown currency {g.currency!r} (ISO 4217)",
                                 "unknown_currency"))
        return None
    rate = reference.rate_on(session, g.currency, on)
    if rate is None:
        errors.append(FieldError(f"{field}.currency", f"no weekly customs rate for {g.currency} on {on.isoformat()}",
                                 "no_exchange_rate"))
        return None
    return int((g.value * Decimal(rate.rate_jpy)).to_integral_value(rounding=ROUND_FLOOR))


def normalise_goods(session: Session, goods: GoodsIn, unaccompanied: list[OtherGoodsIn], on: date,
                    prefix: str = "goods") -> tuple[rules.Goods, dict[str, Any]]:
    """Goods for the rules (articles in yen, one per unit) and their stored form; bad currencies raise 422."""
    errors: list[FieldError] = []
    items: list[rules.Item] = []
    stored_items: list[dict[str, Any]] = []
    for where, lines in ((f"{prefix}.other_goods", goods.other_goods), ("unaccompanied_goods", unaccompanied)):
        for i, g in enumerate(lines):
            jpy = _to_jpy(session, g, on, f"{where}[{i}]", errors)
            if jpy is None:
                continue
            stored_items.append({"description": g.description, "kind": g.kind or "", "quantity": g.quantity,
                                 "value_jpy": jpy, "unaccompanied": where == "unaccompanied_goods",
                                 "value": None if g.value is None else str(g.value), "currency": g.currency})
            items += [rules.Item(g.description, jpy, g.kind or "")] * g.quantity
    if errors:
        raise ValidationFailed(errors)
    bottles = [rules.Bottle("other", 760)] * goods.alcohol_bottles
    for a in goods.alcohol:
        bottles += [rules.Bottle(a.kind, a.ml_per_bottle)] * a.bottles
    tobacco = {"cigarettes": goods.cigarettes, "heated": goods.heated_tobacco_packs, "cigars": goods.cigars,
               "other": goods.other_tobacco_g}
    out = rules.Goods(tuple(bottles), tobacco, goods.perfume_ml, goods.perfume_value_jpy, tuple(items))
    stored = {**goods.model_dump(mode="json", exclude={"other_goods"}), "other_goods": stored_items}
    return out, stored


def _check_dates(body: PassengerDeclarationIn, today: date) -> None:
    errors: list[FieldError] = []
    if not today - timedelta(days=ARRIVAL_WINDOW_PAST_DAYS) <= body.arrival_date <= today + timedelta(
            days=ARRIVAL_WINDOW_FUTURE_DAYS):
        errors.append(FieldError("arrival_date", f"between {ARRIVAL_WINDOW_PAST_DAYS} days ago and "
                                                 f"{ARRIVAL_WINDOW_FUTURE_DAYS} days ahead", "out_of_range"))
    people = [("date_of_birth", body.date_of_birth)]
    people += [(f"family_members[{i}].date_of_birth", m.date_of_birth) for i, m in enumerate(body.family_members)]
    for field, born in people:
        if born > body.arrival_date or born > today:
            errors.append(FieldError(field, "a date of birth cannot be after today or the arrival date",
                                     "out_of_range"))
        elif born.year < 1900:
            errors.append(FieldError(field, "on or after 1900-01-01", "out_of_range"))
    if not codes.is_country(body.nationality):
        errors.append(FieldError("nationality", f"unknown country code {body.nationality!r} (ISO 3166-1 alpha-2)",
                                 "unknown_country"))
    if errors:
        raise ValidationFailed(errors)


def assess_goods(goods: rules.Goods, birth_dates: list[date], on: date) -> dict[str, Any]:
    """Allowances and estimated tax on the arrival date (no rule in force: 422 on arrival_date)."""
    try:
        return rules.assess(goods, birth_dates, load_tables().rule_set(on))
    except NoEffectiveRule as exc:
        raise ValidationFailed([FieldError("arrival_date", str(exc), "no_rule")]) from None


def counter_reasons(body: PassengerDeclarationIn, assessment: dict[str, Any]) -> list[str]:
    """Why the traveller goes to a staffed counter rather than the e-gate, from the declaration alone."""
    flags = {
        "allowance_exceeded": bool(assessment["exceeded"]),
        "unaccompanied_baggage": body.unaccompanied_baggage or bool(body.unaccompanied_goods),
        "means_of_payment": body.means_of_payment_over_limit,
        "prohibited_goods": body.prohibited_goods, "restricted_goods": body.restricted_goods,
        "commercial_goods": body.commercial_goods, "goods_for_others": body.goods_for_others,
    }
    return [r for r in TRAVELLER_REASONS if flags[r]]


def screen(session: Session, body: PassengerDeclarationIn) -> dict[str, Any]:
    """Watch-list screening of everyone on the declaration, when the screening domain is installed."""
    try:
        from smartcustoms.screening import service as screening
    except ImportError:  # pragma: no cover - the screening domain is optional
        return {"screened": False, "reason": "screening service not installed", "hits": 0}
    people = [(f"{body.given_name} {body.family_name}", body.date_of_birth)]
    people += [(f"{m.given_name} {m.family_name}", m.date_of_birth) for m in body.family_members]
    hits: list[dict[str, Any]] = []
    records: list[int] = []
    for name, born in people:
        try:
            result = screening.screen_party(session, name, country=None, date_of_birth=born, actor="travellers")
        except Exception as exc:
            return {"screened": False, "reason": f"screening failed: {type(exc).__name__}", "hits": 0}
        if result.record_id is not None:
            records.append(int(result.record_id))
        hits += [{"name": name, "list_code": h.list_code, "entry_id": h.entry_id, "score": float(h.score)}
                 for h in result.hits]
    return {"screened": True, "hits": len(hits), "matches": hits, "records": records}


def request_hash(body: PassengerDeclarationIn) -> str:
    from smartcustoms.audit.chain import canonical_json

    return hashlib.sha256(canonical_json(body.model_dump(mode="json")).encode()).hexdigest()


def declare(session: Session, body: PassengerDeclarationIn, *, today: date | None = None,
            idempotency_key: str | None = None, actor: str = "traveller") -> PassengerDeclaration:
    """Validate, assess, screen, sign and store a declaration (the caller commits)."""
    today = today or utcnow().astimezone(JST).date()
    _check_dates(body, today)
    goods, stored_goods = normalise_goods(session, body.goods, body.unaccompanied_goods, body.arrival_date)
    births = [body.date_of_birth, *(m.date_of_birth for m in body.family_members)]
    assessment = assess_goods(goods, births, body.arrival_date)
    reasons = counter_reasons(body, assessment)
    screening = screen(session, body)
    ring = keys.load()
    did = new_id()
    exp = expires_at(body.arrival_date, utcnow().astimezone(JST).date())
    claims = {
        "i": did, "p": codec.passport_digest(did, body.passport_number), "e": int(exp.timestamp()),
        "t": int(utcnow().timestamp()), "f": body.flight, "a": body.arrival_date.isoformat(),
        "m": len(births), "x": assessment["estimated_tax_jpy"], "r": reasons,
    }
    content = {
        "goods": stored_goods, "family_members": [m.model_dump(mode="json") for m in body.family_members],
        "unaccompanied_baggage": body.unaccompanied_baggage,
        "answers": {k: getattr(body, k) for k in ("means_of_payment_over_limit", "prohibited_goods",
                                                  "restricted_goods", "commercial_goods", "goods_for_others")},
        "email": body.email,
    }
    d = PassengerDeclaration(
        id=did, family_name=body.family_name, given_name=body.given_name, nationality=body.nationality,
        passport_number=body.passport_number, date_of_birth=body.date_of_birth, flight=body.flight,
        arrival_date=body.arrival_date, content=content, assessment=assessment,
        estimated_tax_jpy=assessment["estimated_tax_jpy"], counter_reasons=reasons, screening=screening,
        watchlist_hit=bool(screening.get("hits")), key_id=ring.active_kid,
        qr_payload=codec.encode(claims, ring.private), expires_at=exp, status="declared",
        idempotency_key=idempotency_key, request_hash=request_hash(body) if idempotency_key else None,
    )
    session.add(d)
    session.flush()
    audit.append(session, actor=actor, action="passenger_declaration.declared", entity_type="passenger_declaration",
                 entity_id=did, data={"flight": body.flight, "arrival_date": body.arrival_date.isoformat(),
                                      "estimated_tax_jpy": d.estimated_tax_jpy, "counter_reasons": reasons,
                                      "screened": screening.get("screened"), "watchlist_hits": screening.get("hits"),
                                      "key_id": ring.active_kid})
    return d


def to_public(d: PassengerDeclaration) -> dict[str, Any]:
    """What the traveller gets back (no screening outcome)."""
    return {
        "id": d.id, "status": d.status, "family_name": d.family_name, "given_name": d.given_name,
        "flight": d.flight, "arrival_date": d.arrival_date.isoformat(),
        "allowance": d.assessment, "estimated_tax_jpy": d.estimated_tax_jpy,
        "counter_reasons": list(d.counter_reasons), "go_to_counter": bool(d.counter_reasons),
        "qr_payload": d.qr_payload, "key_id": d.key_id, "expires_at": d.expires_at.isoformat(),
        "created_at": d.created_at.isoformat() if d.created_at else None,
    }


# What a declaration number or passport number can be: anything else (a NUL byte, other scripts, a mangled path)
# is simply not found, and never reaches the database (PostgreSQL refuses NUL in text: that was a 500).
_LOOKUP_KEY = re.compile(r"^[A-Z0-9]{1,20}$")


def lookup_key(text: str) -> str | None:
    """A declaration or passport number as stored (full-width typing and spaces tolerated), or None."""
    key = "".join(unicodedata.normalize("NFKC", text).split()).upper()
    return key if _LOOKUP_KEY.match(key) else None


def get(session: Session, declaration_id: str) -> PassengerDeclaration:
    key = lookup_key(declaration_id)
    d = session.get(PassengerDeclaration, key) if key else None
    if d is None:
        raise NotFound(f"passenger declaration {declaration_id}")
    return d


def find(session: Session, query: str, limit: int = 50) -> list[PassengerDeclaration]:
    """Declarations by id, by the QR payload or by passport number (newest first)."""
    q = query.strip()
    if not q:
        return list(session.scalars(select(PassengerDeclaration).order_by(
            PassengerDeclaration.created_at.desc()).limit(limit)))
    if q.startswith(codec.PREFIX):
        try:
            claims = codec.decode(q, keys.load().public).claims
        except codec.PayloadError:
            return []
        q = str(claims.get("i", ""))
    key = lookup_key(q)
    if key is None:
        return []
    stmt = select(PassengerDeclaration).where(or_(PassengerDeclaration.id == key,
                                                  PassengerDeclaration.passport_number == key))
    return list(session.scalars(stmt.order_by(PassengerDeclaration.created_at.desc()).limit(limit)))


def random_rate() -> Decimal:
    """Share of gate presentations sent to the counter at random (SMARTCUSTOMS_TRAVELLER_RANDOM_RATE).

    Default 2% in production; 0 in development and test so that demos and tests are predictable."""
    raw = os.environ.get("SMARTCUSTOMS_TRAVELLER_RANDOM_RATE")
    if raw is not None:
        return Decimal(raw)
    return Decimal(0) if get_settings().env in ("development", "test") else Decimal("0.02")


def randomly_selected(declaration_id: str, rate: Decimal) -> bool:
    """Deterministic per declaration (HMAC of the id with the sampling secret), so a retry draws the same."""
    import hmac

    digest = hmac.new(get_settings().sampling_secret.encode(), f"gate:{declaration_id}".encode(),
                      hashlib.sha256).digest()
    return Decimal(int.from_bytes(digest[:8], "big")) / Decimal(2**64) < rate
