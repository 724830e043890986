"""The traveller page and the counter in a real headless Chromium against a live server."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from smartcustoms import migrate
from smartcustoms.db import make_engine
from smartcustoms.identity import service as identity
from smartcustoms.travellers import i18n
from smartcustoms.travellers.models import PassengerDeclaration
from tests.live import serve
from tests.travellers.helpers import today

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
PASSWORD = "counter-pass-2026"


@pytest.fixture(scope="module")
def live(new_database_url: Callable[[], str]) -> Iterator[tuple[str, Engine]]:
    engine = make_engine(new_database_url())
    migrate.upgrade(engine)
    with Session(engine) as s:
        identity.create_officer(s, "ito", PASSWORD, "officer", actor="test")
        s.commit()
    with serve(engine) as base:
        yield base, engine
    engine.dispose()


@pytest.fixture()
def page(tmp_path: Path) -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: CI must install Chromium (apt-get install -y chromium)")
        pytest.skip(f"{CHROMIUM} not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        ctx = pw.chromium.launch_persistent_context(str(tmp_path / "profile"), executable_path=CHROMIUM,
                                                    headless=True, args=CHROMIUM_ARGS, locale="en-US",
                                                    viewport={"width": 390, "height": 844})
        ctx.set_default_timeout(15_000)
        yield ctx.new_page()
        ctx.close()


def test_traveller_declares_sees_estimate_and_qr_then_counter_issues_order(live: tuple[str, Engine],
                                                                          page: Any) -> None:
    base, engine = live
    en = i18n.EN
    requested: list[str] = []
    page.on("request", lambda req: requested.append(req.url))
    page.goto(f"{base}/travellers/?lang=en")
    ident = page.get_by_role("group", name=en["t.identity"])
    ident.get_by_label(en["t.family_name"]).fill("Kimura")
    ident.get_by_label(en["t.given_name"]).fill("Aiko")
    ident.get_by_label(en["t.nationality"]).select_option("JP")
    ident.get_by_label(en["t.passport_number"]).fill("BR7777777")
    ident.get_by_label(en["t.date_of_birth"]).fill("1988-03-03")
    ident.get_by_label(en["t.flight"]).fill("JL44")
    ident.get_by_label(en["t.arrival_date"]).fill(today().isoformat())
    page.get_by_label(en["t.alc.whisky_brandy"]).fill("4")
    page.get_by_label(f'{en["t.description"]} 1', exact=True).fill("Watch")
    page.get_by_label(f'{en["t.value"]} 1', exact=True).fill("260000")
    page.get_by_label(f'{en["t.value"]} 1', exact=True).blur()
    # the live estimate shows the excess before anything is stored
    from playwright.sync_api import expect

    estimate = page.locator("#estimate-body [data-field=estimated_tax_jpy]")
    # The form's first estimate (on load, nothing entered) is ¥0; the one for these goods follows the change
    # (300 ms later, longer on a busy machine): wait for it rather than read the first.
    expect(estimate).not_to_have_text("¥0", timeout=15_000)
    assert estimate.inner_text().startswith("¥")
    with Session(engine) as s:
        assert s.query(PassengerDeclaration).count() == 0
    page.get_by_role("button", name=en["t.submit"]).click()
    page.wait_for_url("**/travellers/declarations/**")
    assert page.locator("#verdict").get_attribute("data-verdict") == "red"
    assert page.locator("#reasons [data-reason=allowance_exceeded]").is_visible()
    assert page.locator("#qr svg").is_visible()
    declaration_id = page.locator("#declaration-id").inner_text().strip()
    payload = (page.locator("#qr-payload").text_content() or "").strip()
    with Session(engine) as s:
        stored = s.get(PassengerDeclaration, declaration_id)
        assert stored is not None and stored.qr_payload == payload
        assert page.locator("[data-field=estimated_tax_jpy]").inner_text() == f"¥{stored.estimated_tax_jpy:,}"
    # the QR content from the page is what the gate verifies
    decision = httpx.post(f"{base}/api/v1/gate-decisions", json={"qr_payload": payload,
                                                                  "passport_number": "BR7777777",
                                                                  "face_match": True}).json()
    assert decision["decision"] == "red" and decision["reasons"][0]["code"] == "allowance_exceeded"
    assert all(u.startswith(base) for u in requested), "every asset comes from the app"

    # the officer at the counter finds it by passport and issues the payment order
    page.goto(f"{base}/console/login?lang=en")
    page.locator("#username, input[name=username]").first.fill("ito")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form[action='/console/login'] button[type=submit]").click()
    page.goto(f"{base}/console/travellers")
    page.get_by_label(en["c.search"]).fill("BR7777777")
    page.get_by_role("button", name=en["c.find"]).click()
    page.wait_for_url(f"**/console/travellers/{declaration_id}")
    page.locator("#issue-order").click()
    page.wait_for_url(f"**/console/travellers/{declaration_id}")
    assert page.locator("#status").get_attribute("data-status") == "awaiting_payment"
    assert page.locator("#order").get_attribute("data-status") == "open"


def test_traveller_page_in_japanese_refuses_bad_input(live: tuple[str, Engine], page: Any) -> None:
    base, _ = live
    ja = i18n.JA
    page.goto(f"{base}/travellers/?lang=ja")
    assert page.locator("html").get_attribute("lang") == "ja"
    ident = page.get_by_role("group", name=ja["t.identity"])
    ident.get_by_label(ja["t.family_name"]).fill("山田")
    ident.get_by_label(ja["t.given_name"], exact=True).fill("花子")
    ident.get_by_label(ja["t.nationality"]).select_option("JP")
    ident.get_by_label(ja["t.passport_number"]).fill("TR1234567")
    ident.get_by_label(ja["t.date_of_birth"]).fill("2999-01-01")
    ident.get_by_label(ja["t.flight"]).fill("NH204")
    page.get_by_role("button", name=ja["t.submit"]).click()
    errors = page.locator("#form-errors")
    errors.wait_for()
    assert errors.locator("[data-field=date_of_birth]").is_visible()
