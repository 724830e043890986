"""The officer APIs' credentials: a success is remembered for a few minutes, a failure never."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.orm import Session

from smartcustoms.identity import service, verified

PASSWORD = "correct horse battery"


@pytest.fixture()
def argon2_checks(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The Argon2 verifications made, by password tried."""
    made: list[str] = []
    real = service._hasher

    class Counted:
        def verify(self, stored: Any, password: str) -> Any:
            made.append(password)
            return real.verify(stored, password)

        def __getattr__(self, name: str) -> Any:
            return getattr(real, name)

    verified.forget_all()
    monkeypatch.setattr(service, "_hasher", Counted())
    yield made
    verified.forget_all()


def test_a_success_is_remembered_and_a_failure_never(session: Session, argon2_checks: list[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    service.create_officer(session, "mori", PASSWORD, "officer")
    for _ in range(3):
        assert service.authenticate_officer(session, "mori", PASSWORD, remember=True) is not None
    assert argon2_checks == [PASSWORD]  # verified once, then remembered
    for _ in range(2):
        assert service.authenticate_officer(session, "mori", "wrong guess", remember=True) is None
    assert argon2_checks.count("wrong guess") == 2  # every guess costs a full verification
    assert service.authenticate_officer(session, "mori", PASSWORD) is not None  # the console's login verifies
    assert argon2_checks.count(PASSWORD) == 2

    # Disabled: refused even though remembered; its role read as it is now.
    service.set_officer_active(session, "mori", False)
    assert service.authenticate_officer(session, "mori", PASSWORD, remember=True) is None
    service.set_officer_active(session, "mori", True)
    service.set_officer_role(session, "mori", "supervisor")
    who = service.authenticate_officer(session, "mori", PASSWORD, remember=True)
    assert who is not None and who.role == "supervisor" and argon2_checks.count(PASSWORD) == 2

    # A new password (a new stored hash): the old one is no longer let through, the new one is verified.
    officer = service.get_officer(session, "mori")
    officer.password_hash = service._hasher.hash("another passphrase")
    assert service.authenticate_officer(session, "mori", PASSWORD, remember=True) is None
    assert service.authenticate_officer(session, "mori", "another passphrase", remember=True) is not None
    assert argon2_checks[-2:] == [PASSWORD, "another passphrase"]

    # Past the time to live it is verified again.
    now = verified.time.monotonic()
    monkeypatch.setattr(verified.time, "monotonic", lambda: now + verified.TTL_SECONDS + 1)
    assert service.authenticate_officer(session, "mori", "another passphrase", remember=True) is not None
    assert argon2_checks[-1] == "another passphrase" and argon2_checks.count("another passphrase") == 2


def test_what_is_kept_is_no_password_and_the_oldest_go_first(monkeypatch: pytest.MonkeyPatch) -> None:
    verified.forget_all()
    monkeypatch.setattr(verified, "MAX_ENTRIES", 3)
    for i in range(5):
        verified.keep(f"user{i}", PASSWORD, f"hash{i}")
    assert [verified.seen(f"user{i}", PASSWORD, f"hash{i}") for i in range(5)] == [False, False, True, True, True]
    assert all(PASSWORD.encode() not in digest and b"user" not in digest for digest in verified._kept)
    verified.forget_all()
