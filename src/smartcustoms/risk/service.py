"""Manage selectivity profiles and run them for a declaration."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcustoms.audit import service as audit
from smartcustoms.errors import Conflict, FieldError, NotFound, ValidationFailed
from smartcustoms.reference.codes import is_country
from smartcustoms.risk.models import SelectivityProfile
from smartcustoms.risk.rules import Profile

# An AEO importer's random sampling rate, when a profile does not set one, is this share of the
# general rate (AEO traders get simplified treatment; WCO SAFE Framework, Customs Act art. 67-3).
AEO_RANDOM_SHARE = Decimal("0.25")


@dataclass
class ProfileSpec:
    """What an administrator gives to create a profile."""

    name: str
    lane: int
    reason: str
    hs_prefix: str | None = None
    origin_country: str | None = None
    importer_code: str | None = None
    consignor_name: str | None = None
    min_value_jpy: int | None = None
    max_value_jpy: int | None = None
    aeo: bool | None = None
    rate_mismatch: bool = False
    random_rate: str | None = None
    aeo_random_rate: str | None = None
    valid_from: date | None = None
    valid_to: date | None = None


def _rate(field_name: str, text: str | None, errors: list[FieldError]) -> Decimal | None:
    if text is None or text == "":
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        errors.append(FieldError(field_name, "a decimal fraction between 0 and 1"))
        return None
    if not (Decimal(0) <= value <= Decimal(1)):
        errors.append(FieldError(field_name, "a decimal fraction between 0 and 1"))
        return None
    return value


def create_profile(session: Session, spec: ProfileSpec, actor: str) -> SelectivityProfile:
    """Validate and store a profile (audited)."""
    errors: list[FieldError] = []
    if not spec.name.strip():
        errors.append(FieldError("name", "required"))
    if spec.lane not in (1, 2, 3):
        errors.append(FieldError("lane", "1 (release), 2 (documents) or 3 (inspection)"))
    if not spec.reason.strip():
        errors.append(FieldError("reason", "required: officers see it on every hit"))
    if spec.hs_prefix and (not spec.hs_prefix.isdigit() or not 2 <= len(spec.hs_prefix) <= 9):
        errors.append(FieldError("hs_prefix", "2 to 9 digits"))
    if spec.origin_country and not is_country(spec.origin_country.upper()):
        errors.append(FieldError("origin_country", "ISO 3166-1 alpha-2 code"))
    if spec.min_value_jpy is not None and spec.max_value_jpy is not None and spec.min_value_jpy > spec.max_value_jpy:
        errors.append(FieldError("max_value_jpy", "below min_value_jpy"))
    random_rate = _rate("random_rate", spec.random_rate, errors)
    aeo_rate = _rate("aeo_random_rate", spec.aeo_random_rate, errors)
    if random_rate is not None and aeo_rate is None:
        aeo_rate = (random_rate * AEO_RANDOM_SHARE).normalize()
    if random_rate is not None and aeo_rate is not None and aeo_rate > random_rate:
        errors.append(FieldError("aeo_random_rate", "AEO importers get a lower random rate, not a higher one"))
    has_criterion = any(
        [spec.hs_prefix, spec.origin_country, spec.importer_code, spec.consignor_name,
         spec.min_value_jpy is not None, spec.max_value_jpy is not None, spec.aeo is not None,
         spec.rate_mismatch, random_rate is not None]
    )
    if not has_criterion:
        errors.append(FieldError("criteria", "give at least one criterion (or a random rate)"))
    if errors:
        raise ValidationFailed(errors)
    if session.scalar(select(SelectivityProfile).where(SelectivityProfile.name == spec.name)):
        raise Conflict(f"profile {spec.name!r} exists", "name", "duplicate")
    profile = SelectivityProfile(
        name=spec.name.strip(), lane=spec.lane, reason=spec.reason.strip(), active=True,
        hs_prefix=spec.hs_prefix or None,
        origin_country=spec.origin_country.upper() if spec.origin_country else None,
        importer_code=spec.importer_code.upper() if spec.importer_code else None,
        consignor_name=spec.consignor_name or None,
        min_value_jpy=spec.min_value_jpy, max_value_jpy=spec.max_value_jpy, aeo=spec.aeo,
        rate_mismatch=spec.rate_mismatch, random_rate=random_rate, aeo_random_rate=aeo_rate,
        valid_from=spec.valid_from, valid_to=spec.valid_to, created_by=actor,
    )
    session.add(profile)
    session.flush()
    audit.append(session, actor=actor, action="profile.created", entity_type="profile", entity_id=str(profile.id),
                 data=profile_dict(profile))
    return profile


def set_active(session: Session, profile_id: int, active: bool, actor: str) -> SelectivityProfile:
    """Enable or disable a profile (profiles are never deleted, so past hits stay explainable)."""
    profile = session.get(SelectivityProfile, profile_id)
    if profile is None:
        raise NotFound(f"profile {profile_id}")
    profile.active = active
    audit.append(session, actor=actor, action="profile.enabled" if active else "profile.disabled",
                 entity_type="profile", entity_id=str(profile_id), data={})
    return profile


def list_profiles(session: Session, include_inactive: bool = True) -> list[SelectivityProfile]:
    stmt = select(SelectivityProfile).order_by(SelectivityProfile.id)
    if not include_inactive:
        stmt = stmt.where(SelectivityProfile.active.is_(True))
    return list(session.scalars(stmt))


def active_profiles(session: Session) -> list[Profile]:
    """Active profiles as pure rule objects."""
    return [
        Profile(
            id=p.id, name=p.name, lane=p.lane, reason=p.reason, hs_prefix=p.hs_prefix,
            origin_country=p.origin_country, importer_code=p.importer_code, consignor_name=p.consignor_name,
            min_value_jpy=p.min_value_jpy, max_value_jpy=p.max_value_jpy, aeo=p.aeo,
            rate_mismatch=p.rate_mismatch, random_rate=p.random_rate, aeo_random_rate=p.aeo_random_rate,
            valid_from=p.valid_from, valid_to=p.valid_to,
        )
        for p in list_profiles(session, include_inactive=False)
    ]


def profile_dict(p: SelectivityProfile) -> dict[str, Any]:
    """JSON view of a profile."""
    return {
        "id": p.id, "name": p.name, "lane": p.lane, "reason": p.reason, "active": p.active,
        "hs_prefix": p.hs_prefix, "origin_country": p.origin_country, "importer_code": p.importer_code,
        "consignor_name": p.consignor_name, "min_value_jpy": p.min_value_jpy, "max_value_jpy": p.max_value_jpy,
        "aeo": p.aeo, "rate_mismatch": p.rate_mismatch,
        "random_rate": str(p.random_rate) if p.random_rate is not None else None,
        "aeo_random_rate": str(p.aeo_random_rate) if p.aeo_random_rate is not None else None,
        "valid_from": p.valid_from.isoformat() if p.valid_from else None,
        "valid_to": p.valid_to.isoformat() if p.valid_to else None,
    }
