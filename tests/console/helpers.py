"""Shared by the console tests: declaration bodies, seeding, logging in through the form."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from smartcustoms.declarations import flows
from smartcustoms.declarations.models import ImportDeclaration
from smartcustoms.declarations.schemas import ImportDeclarationIn
from smartcustoms.identity import service as identity
from smartcustoms.identity.models import Trader
from smartcustoms.risk import service as risk
from tests.payments.helpers import pay_declaration

PASSWORD = "counter-pass-2026"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def line(hs: str, value: str, rate: str = "0.05", **kw: Any) -> dict[str, Any]:
    base = {"hs_code": hs, "description": f"goods {hs}", "quantity": 2, "unit": "PCE", "net_mass_kg": "1.5",
            "customs_value": value, "origin_country": "US", "duty_rate": rate, "consumption_tax": "standard"}
    return {**base, **kw}


def body(*lines: dict[str, Any], **kw: Any) -> dict[str, Any]:
    b: dict[str, Any] = {
        "importer": {"code": "IMP-CONSOLE", "name": "Console Test Trading K.K.", "country": "JP"},
        "consignor": {"name": "Global Sporting Arms", "country": "US"},
        "transport_mode": "air", "office": "TYO-AIR", "currency": "JPY", "personal_use": False,
        "lines": list(lines),
    }
    b.update(kw)
    return b


def lodge(session: Session, trader: Trader, b: dict[str, Any]) -> ImportDeclaration:
    return flows.lodge(session, ImportDeclarationIn.model_validate(b), trader)


def add_profiles(session: Session) -> None:
    """Lane 3 for chapter 93 (weapons), lane 2 for leather bags (HS 4202)."""
    risk.create_profile(session, risk.ProfileSpec("Firearms and parts (test)", 3,
                                                  "Chapter 93 goods are always examined", hs_prefix="93"), "test")
    risk.create_profile(session, risk.ProfileSpec("Leather bags (test)", 2,
                                                  "Leather bags: document check", hs_prefix="4202"), "test")


@dataclass
class Seed:
    trader: Trader
    lane1: ImportDeclaration
    lane2: ImportDeclaration
    lane3: ImportDeclaration


def seed(session: Session, trader: Trader) -> Seed:
    """An officer, the two profiles and one declaration per lane, committed."""
    identity.create_officer(session, "obata", PASSWORD, "officer", actor="test")
    add_profiles(session)
    lane3 = lodge(session, trader, body(line("930200", "270000", "0.03", description="Revolver parts"),
                                        line("851830", "534795", "0.14", description="Headphones")))
    lane2 = lodge(session, trader, body(line("420221", "480000", "0.16", description="Leather handbags"),
                                        consignor={"name": "Milano Pelle S.r.l.", "country": "IT"}))
    lane1 = lodge(session, trader, body(line("610910", "90000", "0.109", description="Cotton T-shirts")))
    # Lane 1 with duty due waits for payment; the agent's callback releases it.
    assert lane1.status == "awaiting_payment"
    pay_declaration(session, lane1.id)
    session.commit()
    assert (lane1.lane, lane2.lane, lane3.lane) == (1, 2, 3)
    return Seed(trader, lane1, lane2, lane3)


def csrf_of(html: str) -> str:
    m = _CSRF.search(html)
    assert m, "no CSRF token on the page"
    return m.group(1)


def login(client: httpx.Client, username: str = "obata", password: str = PASSWORD, **form: str) -> Any:
    """Log in through the form (a test client or a real client of a live server)."""
    page = client.get("/console/login")
    return client.post("/console/login", data={"username": username, "password": password,
                                               "csrf_token": csrf_of(page.text), **form},
                       follow_redirects=False)


def decide(client: TestClient, declaration_id: str, htmx: bool = False, **form: str) -> Any:
    page = client.get(f"/console/declarations/{declaration_id}")
    data = {"csrf_token": csrf_of(page.text), **form}
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(f"/console/declarations/{declaration_id}/decisions", data=data, headers=headers,
                       follow_redirects=False)
