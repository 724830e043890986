"""Officer risk-list pages through the real app: login, both languages, period filter, CSV download, chart."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from smartcustoms.console import risk_i18n, risk_routes
from smartcustoms.risk import csvout
from smartcustoms.risk.lists import AuditCandidate, InspectionCandidate, UndervaluationSignal
from tests.console.helpers import Seed, body, line, lodge, login, seed

PAGES = {
    "audit-candidates": ("rl.audit.title", AuditCandidate),
    "undervaluation": ("rl.under.title", UndervaluationSignal),
    "inspection-candidates": ("rl.insp.title", InspectionCandidate),
}


@pytest.fixture()
def app(app: FastAPI) -> FastAPI:
    # The console integration mounts this router; mount it here too until (and unless) it already is.
    if not any(getattr(r, "path", "").startswith(risk_routes.PREFIX) for r in app.routes):
        app.include_router(risk_routes.router)
    return app


@pytest.fixture()
def seeded(session: Session, make_trader) -> Seed:  # type: ignore[no-untyped-def]
    trader, _ = make_trader("Risk Pages Trading K.K.")
    s = seed(session, trader)
    s.lane3.risk = {"status": "scored", "score": 0.8, "percentile": 99.0, "model_version": "test-1"}
    s.lane1.risk = {"status": "scored", "score": 0.4, "percentile": 80.0, "model_version": "test-1"}
    for i in range(6):
        lodge(session, trader, body(line("851830", str(100_000 + i * 1_000), origin_country="CN", net_mass_kg="10"),
                                    importer={"code": f"IMP-R{i}", "name": "Reference <b>Co</b>", "country": "JP"}))
    low = lodge(session, trader, body(line("851830", "9000", origin_country="CN", net_mass_kg="10"),
                                      importer={"code": "IMP-LOW", "name": "<script>x</script> K.K.",
                                                "country": "JP"}))
    low.declared_on -= timedelta(days=1)
    session.commit()
    return s


@pytest.fixture()
def officer_client(client: TestClient, seeded: Seed) -> TestClient:
    assert login(client).status_code == 303
    return client


@pytest.mark.parametrize("page", list(PAGES))
def test_pages_require_login(client: TestClient, seeded: Seed, page: str) -> None:
    r = client.get(f"/console/risk/{page}", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/console/login")
    csv_r = client.get(f"/console/risk/{page}?format=csv", follow_redirects=False)
    assert csv_r.status_code == 303


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("page", list(PAGES))
def test_pages_render_in_both_languages(officer_client: TestClient, page: str, lang: str) -> None:
    r = officer_client.get(f"/console/risk/{page}?lang={lang}")
    assert r.status_code == 200
    assert f'<html lang="{lang}">' in r.text
    assert risk_i18n.translate(lang, PAGES[page][0]) in r.text
    assert risk_i18n.translate(lang, "rl.csv") in r.text
    assert not re.search(r"\brl\.[a-z_.]+", r.text), "an untranslated label key leaked into the page"
    assert "<svg" in r.text and "<script>x" not in r.text


def test_undervaluation_page_shows_the_signal_not_a_revaluation(officer_client: TestClient, seeded: Seed) -> None:
    r = officer_client.get("/console/risk/undervaluation?lang=en")
    assert risk_i18n.translate("en", "rl.under.not_revaluation") in r.text
    assert "IMP-LOW" in r.text and "&lt;script&gt;x&lt;/script&gt; K.K." in r.text
    assert r.text.count('data-line="1"') == 1


def test_audit_and_inspection_rows(officer_client: TestClient, seeded: Seed) -> None:
    audit = officer_client.get("/console/risk/audit-candidates?lang=en").text
    assert 'data-importer="IMP-CONSOLE"' in audit
    insp = officer_client.get("/console/risk/inspection-candidates?lang=en").text
    rows = re.findall(r'<tr data-id="([^"]+)"', insp)
    assert rows[0] == seeded.lane3.id and seeded.lane2.id in rows and seeded.lane1.id not in rows


@pytest.mark.parametrize("page", list(PAGES))
def test_csv_download(officer_client: TestClient, seeded: Seed, page: str) -> None:
    shown = officer_client.get(f"/console/risk/{page}")
    link = re.search(r'id="csv-link" href="([^"]+)"', shown.text)
    assert link
    r = officer_client.get(link.group(1).replace("&amp;", "&"))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.headers["content-disposition"].startswith(f'attachment; filename="{page}_')
    assert r.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"), newline="")))
    assert rows[0] == csvout.header_of(PAGES[page][1])
    assert len(rows) > 1


def test_period_filter(officer_client: TestClient, seeded: Seed) -> None:
    none = officer_client.get("/console/risk/inspection-candidates?start=2001-01-01&end=2001-01-31&lang=en")
    assert none.status_code == 200 and risk_i18n.translate("en", "rl.empty") in none.text
    csv_r = officer_client.get("/console/risk/inspection-candidates?start=2001-01-01&end=2001-01-31&format=csv")
    assert csv_r.content.decode("utf-8-sig").strip().count("\n") == 0  # header only
    for query in ("start=2026-13-01", "start=2026-03-01&end=2026-02-01", "start=2001-01-01&end=2026-01-01"):
        bad = officer_client.get(f"/console/risk/audit-candidates?{query}&lang=en")
        assert bad.status_code == 422 and risk_i18n.translate("en", "rl.bad_period") in bad.text
        assert officer_client.get(f"/console/risk/audit-candidates?{query}&format=csv").status_code == 422


def test_labels_complete_in_both_languages() -> None:
    assert set(risk_i18n.EN) == set(risk_i18n.JA)
    assert all(risk_i18n.JA[k].strip() and risk_i18n.EN[k].strip() for k in risk_i18n.EN)
    # console labels still come through the merged translator
    assert risk_i18n.translate("ja", "status.released") == "輸入許可済み"


def test_bar_chart_escapes_and_scales() -> None:
    svg = risk_routes.bar_chart([("<a>", 2.0, "2"), ("b", 1.0, "1")], "T & t", "c")
    assert "&lt;a&gt;" in svg and "T &amp; t" in svg and 'width="420.0"' in svg and 'width="210.0"' in svg
