"""What identity does: officers with Argon2 passwords, traders with hashed API keys."""

from __future__ import annotations

import hashlib
import re
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcustoms.audit import service as audit
from smartcustoms.db import utcnow
from smartcustoms.errors import Conflict, FieldError, NotFound, ValidationFailed
from smartcustoms.identity import verified
from smartcustoms.identity.models import ROLES, TRADER_KINDS, ApiKey, Officer, Trader

_hasher = PasswordHasher()
KEY_PREFIX = "sck_"
MIN_PASSWORD_LENGTH = 8
_USERNAME = re.compile(r"^[A-Za-z0-9_.-]{2,64}$")
_CODE = re.compile(r"^[A-Z0-9-]{2,32}$")


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create_officer(session: Session, username: str, password: str, role: str, actor: str = "cli") -> Officer:
    """Create an officer; the password is stored as an Argon2id hash."""
    errors = []
    if not _USERNAME.match(username):
        errors.append(FieldError("username", "2-64 letters, digits, '_', '.', '-'"))
    if role not in ROLES:
        errors.append(FieldError("role", f"must be one of {', '.join(ROLES)}"))
    if len(password) < MIN_PASSWORD_LENGTH:
        errors.append(FieldError("password", f"at least {MIN_PASSWORD_LENGTH} characters"))
    if errors:
        raise ValidationFailed(errors)
    if session.scalar(select(Officer).where(Officer.username == username)):
        raise Conflict(f"officer {username!r} already exists", "username", "duplicate")
    officer = Officer(username=username, password_hash=_hasher.hash(password), role=role, active=True)
    session.add(officer)
    session.flush()
    audit.append(
        session, actor=actor, action="officer.created", entity_type="officer", entity_id=username,
        data={"role": role},
    )
    return officer


def set_officer_role(session: Session, username: str, role: str, actor: str = "cli") -> Officer:
    """Change an officer's role."""
    if role not in ROLES:
        raise ValidationFailed([FieldError("role", f"must be one of {', '.join(ROLES)}")])
    officer = get_officer(session, username)
    old = officer.role
    officer.role = role
    audit.append(session, actor=actor, action="officer.role_changed", entity_type="officer",
                 entity_id=username, data={"from": old, "to": role})
    return officer


def set_officer_active(session: Session, username: str, active: bool, actor: str = "cli") -> Officer:
    """Enable or disable an officer's login."""
    officer = get_officer(session, username)
    officer.active = active
    audit.append(session, actor=actor, action="officer.enabled" if active else "officer.disabled",
                 entity_type="officer", entity_id=username, data={})
    return officer


def get_officer(session: Session, username: str) -> Officer:
    officer = session.scalar(select(Officer).where(Officer.username == username))
    if officer is None:
        raise NotFound(f"officer {username!r}")
    return officer


def authenticate_officer(session: Session, username: str, password: str, rehash: bool = True,
                         remember: bool = False) -> Officer | None:
    """The active officer with this username and password, else None (an unknown officer costs what a wrong password
    does; a remembered success costs less, see below). With `rehash` a hash
    made with older parameters is replaced in the session (committed by the caller); a read-only session passes
    False (its flush would fail), and the hash is upgraded at the officer's next login or write. With `remember`
    (the officer APIs, which get the password with every request) a success is remembered for a few minutes and
    the same credentials against the same stored hash skip Argon2 (`verified.py`)."""
    # A NUL names no officer (PostgreSQL refuses it in text: the query itself would fail, a 500 for a 401).
    officer = None if "\x00" in username else session.scalar(select(Officer).where(Officer.username == username))
    if officer is None:
        # Hash anyway so an unknown username takes as long as a wrong password.
        _hasher.hash(password)
        return None
    checked = not (remember and verified.seen(username, password, officer.password_hash))
    if checked:
        try:
            _hasher.verify(officer.password_hash, password)
        except (VerificationError, InvalidHashError):
            return None
    if not officer.active:
        return None
    if rehash and _hasher.check_needs_rehash(officer.password_hash):
        officer.password_hash = _hasher.hash(password)
        checked = True
    if remember and checked:  # remembered from a verification, for TTL_SECONDS from it (a hit does not extend it)
        verified.keep(username, password, officer.password_hash)
    return officer


def _code_from_name(name: str) -> str:
    base = re.sub(r"[^A-Z0-9]+", "-", name.upper()).strip("-")[:20] or "TRADER"
    return f"{base}-{secrets.token_hex(2).upper()}"


def create_trader(
    session: Session, name: str, code: str | None = None, kind: str = "importer", aeo: bool = False,
    actor: str = "cli",
) -> Trader:
    """Register a trader (importer or customs broker)."""
    name = name.strip()
    code = (code or _code_from_name(name)).strip().upper()
    errors = []
    if not name or len(name) > 200:
        errors.append(FieldError("name", "1-200 characters"))
    if not _CODE.match(code):
        errors.append(FieldError("code", "2-32 of A-Z, 0-9, '-'"))
    if kind not in TRADER_KINDS:
        errors.append(FieldError("kind", f"must be one of {', '.join(TRADER_KINDS)}"))
    if errors:
        raise ValidationFailed(errors)
    if session.scalar(select(Trader).where(Trader.code == code)):
        raise Conflict(f"trader code {code!r} already exists", "code", "duplicate")
    trader = Trader(name=name, code=code, kind=kind, aeo=aeo, active=True)
    session.add(trader)
    session.flush()
    audit.append(session, actor=actor, action="trader.created", entity_type="trader", entity_id=code,
                 data={"name": name, "kind": kind, "aeo": aeo})
    return trader


def get_trader(session: Session, code: str) -> Trader:
    trader = session.scalar(select(Trader).where(Trader.code == code.upper()))
    if trader is None:
        raise NotFound(f"trader {code!r}")
    return trader


def set_aeo(session: Session, code: str, aeo: bool, actor: str = "cli") -> Trader:
    """Flag or unflag a trader as Authorised Economic Operator."""
    trader = get_trader(session, code)
    trader.aeo = aeo
    audit.append(session, actor=actor, action="trader.aeo_set", entity_type="trader", entity_id=trader.code,
                 data={"aeo": aeo})
    return trader


def issue_api_key(session: Session, trader: Trader, actor: str = "cli") -> str:
    """Issue a new key; the clear key is returned once and only its digest is stored."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    api_key = ApiKey(trader_id=trader.id, prefix=key[:12], key_hash=_digest(key))
    session.add(api_key)
    session.flush()
    audit.append(session, actor=actor, action="api_key.issued", entity_type="trader", entity_id=trader.code,
                 data={"prefix": api_key.prefix})
    return key


def revoke_api_keys(session: Session, code: str, prefix: str | None = None, actor: str = "cli") -> int:
    """Revoke a trader's keys (all, or the one with this prefix); returns how many."""
    trader = get_trader(session, code)
    stmt = select(ApiKey).where(ApiKey.trader_id == trader.id, ApiKey.revoked_at.is_(None))
    if prefix:
        stmt = stmt.where(ApiKey.prefix == prefix[:12])
    keys = list(session.scalars(stmt))
    now = utcnow()
    for k in keys:
        k.revoked_at = now
        audit.append(session, actor=actor, action="api_key.revoked", entity_type="trader",
                     entity_id=trader.code, data={"prefix": k.prefix})
    return len(keys)


def authenticate_key(session: Session, key: str) -> Trader | None:
    """The active trader owning this unrevoked key, else None."""
    if not key.startswith(KEY_PREFIX):
        return None
    return session.scalar(
        select(Trader)
        .join(ApiKey, ApiKey.trader_id == Trader.id)
        .where(ApiKey.key_hash == _digest(key), ApiKey.revoked_at.is_(None), Trader.active.is_(True))
    )


def list_traders(session: Session) -> list[Trader]:
    return list(session.scalars(select(Trader).order_by(Trader.code)))


def list_officers(session: Session) -> list[Officer]:
    return list(session.scalars(select(Officer).order_by(Officer.username)))


def is_aeo_importer(session: Session, importer_code: str, lodging_trader: Trader) -> bool:
    """AEO status of a declaration's importer: only an AEO-flagged importer lodging under its own code.

    The importer code in a declaration is the declarant's word, so it cannot grant AEO treatment by
    itself (any trader could type an AEO importer's code). Brokers' clients get AEO treatment once
    broker-importer authorisations are recorded; until then a broker's lodgement is treated as non-AEO.
    """
    return (
        lodging_trader.aeo
        and lodging_trader.kind == "importer"
        and lodging_trader.active
        and importer_code.strip().upper() == lodging_trader.code
    )
