"""Officers, traders and API keys."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from smartcustoms.errors import Conflict, ValidationFailed
from smartcustoms.identity import service
from smartcustoms.identity.models import ApiKey, Officer


def test_officer_password_is_argon2_and_checked(session: Session) -> None:
    service.create_officer(session, "tanaka", "correct horse", "officer")
    stored = session.query(Officer).filter_by(username="tanaka").one()
    assert stored.password_hash.startswith("$argon2id$")
    assert "correct horse" not in stored.password_hash
    assert service.authenticate_officer(session, "tanaka", "correct horse") is not None
    assert service.authenticate_officer(session, "tanaka", "wrong password") is None
    assert service.authenticate_officer(session, "nobody", "correct horse") is None
    # A NUL names no officer: no query is made (PostgreSQL refuses NUL in text: an HTTP Basic login was a 500).
    assert service.authenticate_officer(session, "tanaka\x00", "correct horse") is None
    service.set_officer_active(session, "tanaka", False)
    assert service.authenticate_officer(session, "tanaka", "correct horse") is None


def test_officer_validation(session: Session) -> None:
    with pytest.raises(ValidationFailed) as exc:
        service.create_officer(session, "x y", "short", "chief")
    assert {e.field for e in exc.value.errors} == {"username", "password", "role"}
    service.create_officer(session, "sato", "long enough", "supervisor")
    with pytest.raises(Conflict):
        service.create_officer(session, "sato", "long enough", "officer")


def test_api_key_stored_hashed_and_revocable(session: Session) -> None:
    trader = service.create_trader(session, "Acme Imports", "ACME")
    key = service.issue_api_key(session, trader)
    stored = session.query(ApiKey).filter_by(trader_id=trader.id).one()
    assert key not in (stored.key_hash, stored.prefix) and len(stored.key_hash) == 64
    found = service.authenticate_key(session, key)
    assert found is not None and found.id == trader.id
    assert service.authenticate_key(session, key + "x") is None
    assert service.revoke_api_keys(session, "ACME") == 1
    assert service.authenticate_key(session, key) is None


def test_aeo_importer(session: Session) -> None:
    broker = service.create_trader(session, "Broker", "BRK", kind="broker", aeo=True)
    importer = service.create_trader(session, "AEO Imp", "AEOIMP", aeo=True)
    plain = service.create_trader(session, "Plain", "PLAIN")
    assert service.is_aeo_importer(session, "AEOIMP", importer)  # an AEO importer under its own code
    assert service.is_aeo_importer(session, "aeoimp", importer)
    assert not service.is_aeo_importer(session, "SOMEONE", importer)  # not for someone else's goods
    assert not service.is_aeo_importer(session, "AEOIMP", plain)  # typing an AEO's code grants nothing
    assert not service.is_aeo_importer(session, "AEOIMP", broker)  # a broker's own AEO does not pass on
    assert not service.is_aeo_importer(session, "PLAIN", plain)
    service.set_aeo(session, "PLAIN", True)
    assert service.is_aeo_importer(session, "PLAIN", plain)
