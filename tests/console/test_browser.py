"""The console in a real headless Chromium against a live server: log in, find, read and release a declaration."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from smartcustoms import migrate
from smartcustoms.console import i18n
from smartcustoms.console.views import fmt_yen
from smartcustoms.db import make_engine
from smartcustoms.declarations import lifecycle, service
from smartcustoms.identity import service as identity
from smartcustoms.risk import service as risk
from tests.console.helpers import PASSWORD, body, line, lodge
from tests.live import serve

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


@dataclass
class LiveServer:
    base: str
    engine: Engine
    first: str  # lane-3 declarations, one per test
    second: str
    third: str

    def stored(self, declaration_id: str) -> dict[str, Any]:
        with Session(self.engine) as s:
            return service.to_out(service.get(s, declaration_id))


@pytest.fixture(scope="module")
def live_server(new_database_url: Callable[[], str]) -> Iterator[LiveServer]:
    """The real app on a fresh migrated database, served by uvicorn in a thread."""
    engine = make_engine(new_database_url())
    migrate.upgrade(engine)
    with Session(engine) as s:
        identity.create_officer(s, "kato", PASSWORD, "officer", actor="test")
        trader = identity.create_trader(s, "Browser Test Trading K.K.", "BROWSER-IMP", actor="test")
        risk.create_profile(s, risk.ProfileSpec("Firearms and parts", 3, "Chapter 93 goods are always examined",
                                                hs_prefix="93"), "test")
        first = lodge(s, trader, body(line("930200", "270000", "0.03", description="Revolver parts"),
                                      line("851830", "534795", "0.14", description="Headphones")))
        second = lodge(s, trader, body(line("930320", "812000", "0.05", description="Sporting shotgun")))
        third = lodge(s, trader, body(line("930200", "150000", "0.03", description="Pistol grips")))
        s.commit()
        ids = (first.id, second.id, third.id)
    with serve(engine) as base:
        yield LiveServer(base, engine, *ids)
    engine.dispose()


@pytest.fixture()
def browser_context(tmp_path: Path) -> Iterator[Callable[..., Any]]:
    """Opens Chromium contexts, each with a fresh empty profile directory; closes them after the test."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: CI must install Chromium (apt-get install -y chromium)")
        pytest.skip(f"{CHROMIUM} not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        opened: list[Any] = []

        def open_context(**kw: Any) -> Any:
            profile = tmp_path / f"profile-{len(opened)}"
            ctx = pw.chromium.launch_persistent_context(
                str(profile), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, locale="en-US", **kw)
            ctx.set_default_timeout(15_000)
            opened.append(ctx)
            return ctx

        yield open_context
        for ctx in opened:
            ctx.close()


def _log_in(page: Any, base: str) -> None:
    page.goto(f"{base}/console/")
    assert "/console/login" in page.url
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_label(i18n.EN["login.username"]).fill("kato")
    page.get_by_label(i18n.EN["login.password"]).fill(PASSWORD)
    page.get_by_role("button", name=i18n.EN["login.submit"]).click()
    page.wait_for_url(f"{base}/console/")


def test_officer_releases_a_lane3_declaration(live_server: LiveServer, browser_context: Callable[..., Any]) -> None:
    page = browser_context().new_page()
    requested: list[str] = []
    page.on("request", lambda req: requested.append(req.url))
    base = live_server.base
    _log_in(page, base)

    # dashboard -> lane-3 queue -> the declaration
    page.get_by_role("link", name=i18n.EN["lane.3"]).first.click()
    page.wait_for_url("**/console/queue?lane=3&status=open")
    page.get_by_role("link", name=live_server.first[:8]).click()
    page.wait_for_url(f"**/console/declarations/{live_server.first}")

    # the assessment on the page is the one the database stored
    stored = live_server.stored(live_server.first)["assessment"]
    for al in stored["lines"]:
        cell = page.locator(f'tr[data-line="{al["line_no"]}"] [data-field="duty_jpy"]')
        assert cell.inner_text().strip() == fmt_yen(al["duty_jpy"])
    assert stored["duty_jpy"] > 0
    assert page.locator("#asm-total").inner_text().strip() == fmt_yen(stored["total_jpy"])
    assert page.get_by_text("Chapter 93 goods are always examined").is_visible()

    # release with a reason; the inspection result keeps its default (no discrepancy)
    page.evaluate("window.__noReload = true")
    form = page.locator("#form-release")
    assert form.get_by_label(i18n.EN["dec.inspection_result"]).input_value() == "no_discrepancy"
    form.get_by_label(i18n.EN["dec.reason"]).fill("Inspected at the counter: sporting parts as declared")
    form.get_by_role("button", name=i18n.EN["action.release"]).click()
    # Duty is due: the release leaves it awaiting payment (the payment agent's callback releases it).
    page.locator('#declaration-panel[data-status="awaiting_payment"]').wait_for()
    assert page.locator("#current-status").inner_text().strip() == i18n.EN["status.awaiting_payment"]
    assert page.evaluate("window.__noReload === true"), "the decision should swap the panel (htmx), not reload"
    assert page.locator("#inspection-record").get_by_text(i18n.EN["inspection_result.no_discrepancy"]).is_visible()
    out = live_server.stored(live_server.first)
    assert out["status"] == lifecycle.AWAITING_PAYMENT and out["inspection"]["result"] == "no_discrepancy"

    # switch to Japanese
    page.get_by_role("link", name="日本語").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "ja"
    assert page.locator("#current-status").inner_text().strip() == i18n.JA["status.awaiting_payment"]
    assert page.get_by_role("heading", name=i18n.JA["asm.title"]).is_visible()

    # every request went to the app itself: no CDN, no outside host
    assert requested and all(url.startswith(base) for url in requested), requested


def test_refused_decision_shows_the_error_in_place(live_server: LiveServer,
                                                   browser_context: Callable[..., Any]) -> None:
    page = browser_context().new_page()
    _log_in(page, live_server.base)
    page.goto(f"{live_server.base}/console/declarations/{live_server.second}")
    form = page.locator("#form-release")
    form.get_by_label(i18n.EN["dec.inspection_result"]).select_option("discrepancy")
    form.get_by_label(i18n.EN["dec.reason"]).fill("try to release anyway")
    form.get_by_role("button", name=i18n.EN["action.release"]).click()
    error = page.locator("#decision-error")
    error.wait_for()
    assert i18n.EN["error.discrepancy_found"] in error.inner_text()
    assert live_server.stored(live_server.second)["status"] == lifecycle.AWAITING_INSPECTION


def test_a_decision_the_database_stopped_says_so_in_place(live_server: LiveServer, browser_context: Callable[..., Any],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """A decision posted by htmx that the database stopped (a deadlock: 503, send it again) shows the page's message
    in the page (htmx drops other 5xx answers: the officer saw nothing), and nothing was decided."""
    from sqlalchemy.exc import OperationalError

    from smartcustoms.console import routes

    class Deadlock(Exception):
        sqlstate = "40P01"

    def stopped(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("UPDATE import_declarations", {}, Deadlock("deadlock detected"))

    page = browser_context().new_page()
    _log_in(page, live_server.base)
    page.goto(f"{live_server.base}/console/declarations/{live_server.second}")
    page.evaluate("window.__noReload = true")
    monkeypatch.setattr(routes.service, "decide", stopped)
    form = page.locator("#form-release")
    form.get_by_label(i18n.EN["dec.reason"]).fill("inspected: as declared")
    form.get_by_role("button", name=i18n.EN["action.release"]).click()
    page.get_by_text(i18n.EN["error.database_conflict"]).wait_for()
    assert page.evaluate("window.__noReload === true") and page.locator("main").count() == 1
    assert live_server.stored(live_server.second)["status"] == lifecycle.AWAITING_INSPECTION


def test_console_works_without_javascript(live_server: LiveServer, browser_context: Callable[..., Any]) -> None:
    page = browser_context(java_script_enabled=False).new_page()
    _log_in(page, live_server.base)
    page.goto(f"{live_server.base}/console/declarations/{live_server.third}")
    page.locator("#decide-record_inspection > summary").click()  # a closed <details> opens without JS too
    form = page.locator("#form-record_inspection")
    form.get_by_label(i18n.EN["dec.inspection_result"]).select_option("discrepancy")
    form.get_by_label(i18n.EN["dec.findings"]).fill("serial number removed")
    form.get_by_label(i18n.EN["dec.reason"]).fill("examined, see findings")
    form.get_by_role("button", name=i18n.EN["action.record_inspection"]).click()
    page.wait_for_url(f"**/console/declarations/{live_server.third}")
    assert page.locator("#current-status").inner_text().strip() == i18n.EN["status.inspected"]
    assert page.get_by_text(i18n.EN["dec.done"].format(action=i18n.EN["action.record_inspection"])).is_visible()
    out = live_server.stored(live_server.third)
    assert out["status"] == lifecycle.INSPECTED and out["inspection"]["findings"] == "serial number removed"
