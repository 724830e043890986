"""Officer console through the real app: login, languages, queues, the declaration page, decisions, CSRF."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape
from sqlalchemy.orm import Session

from smartcustoms.console import auth, charts, i18n, routes
from smartcustoms.console.views import fmt_dt, fmt_number, fmt_pct, fmt_rate, fmt_yen
from smartcustoms.declarations import lifecycle, service
from smartcustoms.declarations.models import ImportDeclaration
from smartcustoms.demo import demo_rates_csv
from smartcustoms.identity import service as identity
from smartcustoms.reference import service as reference
from smartcustoms.tariff.notes import say
from tests.console.helpers import PASSWORD, Seed, body, csrf_of, decide, line, lodge, login, seed


@pytest.fixture()
def seeded(session: Session, make_trader) -> Seed:  # type: ignore[no-untyped-def]
    trader, _ = make_trader("Console Test Trading K.K.")
    return seed(session, trader)


@pytest.fixture()
def officer_client(client: TestClient, seeded: Seed) -> TestClient:
    assert login(client).status_code == 303
    return client


@pytest.fixture()
def supervisor_client(client: TestClient, seeded: Seed, session: Session) -> TestClient:
    identity.create_officer(session, "sato", PASSWORD, "supervisor", actor="test")
    session.commit()
    assert login(client, "sato").status_code == 303
    return client


def history_len(session: Session, d: ImportDeclaration) -> int:
    return len(service.history(session, d.id))


def state(session: Session, d: ImportDeclaration) -> tuple[str, int]:
    session.expire_all()
    fresh = service.get(session, d.id)
    return fresh.status, fresh.lane


# --- login --------------------------------------------------------------------------------------------------


def test_login_wrong_password_refused(client: TestClient, seeded: Seed) -> None:
    r = login(client, password="not-the-password")
    assert r.status_code == 401
    assert i18n.translate("ja", "login.failed") in r.text or i18n.translate("en", "login.failed") in r.text
    assert client.get("/console/", follow_redirects=False).status_code == 303


def test_unknown_officer_refused(client: TestClient, seeded: Seed) -> None:
    assert login(client, username="nobody").status_code == 401


def test_login_and_logout(client: TestClient, seeded: Seed) -> None:
    r = login(client)
    assert r.status_code == 303 and r.headers["location"] == "/console/"
    page = client.get("/console/")
    assert page.status_code == 200 and "obata" in page.text
    out = client.post("/console/logout", data={"csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"].startswith("/console/login")
    assert client.get("/console/", follow_redirects=False).status_code == 303


def test_the_session_cookie_is_secure_outside_development(monkeypatch: pytest.MonkeyPatch) -> None:
    from fastapi import FastAPI
    from starlette.middleware.sessions import SessionMiddleware

    from smartcustoms.settings import get_settings

    def https_only(**env: str) -> bool:
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()
        try:
            app = FastAPI()
            routes.mount_console(app)
            return bool(next(m for m in app.user_middleware if m.cls is SessionMiddleware).kwargs["https_only"])
        finally:
            get_settings.cache_clear()

    assert not https_only()  # the tests' environment, as development: plain HTTP on localhost
    production = {"SMARTCUSTOMS_ENV": "production", "SMARTCUSTOMS_SECRET_KEY": "x" * 40,
                  "SMARTCUSTOMS_SAMPLING_SECRET": "y" * 40}
    assert https_only(**production)
    assert not https_only(**production, SMARTCUSTOMS_SECURE_COOKIES="false")


def test_login_returns_to_the_page_asked_for(client: TestClient, seeded: Seed) -> None:
    target = f"/console/declarations/{seeded.lane3.id}"
    r = client.get(target, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/console/login?next=")
    assert login(client, next=target).headers["location"] == target


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/api/v1/x", "/console/login",
                                    "/\\evil.example", ""])
def test_next_is_kept_inside_the_console(target: str) -> None:
    assert auth.safe_next(target) == "/console/"


@pytest.mark.parametrize("path", ["/console/", "/console/queue?lane=3", "/console/declarations/x"])
def test_pages_require_login(client: TestClient, seeded: Seed, path: str) -> None:
    r = client.get(path, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/console/login")


def test_decision_requires_login(client: TestClient, seeded: Seed, session: Session) -> None:
    r = client.post(f"/console/declarations/{seeded.lane2.id}/decisions",
                    data={"action": "release", "reason": "x"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/console/login")
    assert state(session, seeded.lane2)[0] == lifecycle.UNDER_REVIEW
    htmx = client.post(f"/console/declarations/{seeded.lane2.id}/decisions", data={"action": "release"},
                       headers={"HX-Request": "true"}, follow_redirects=False)
    assert htmx.headers["HX-Redirect"].startswith("/console/login")


def test_disabled_officer_is_locked_out_at_once(officer_client: TestClient, session: Session) -> None:
    assert officer_client.get("/console/").status_code == 200
    identity.set_officer_active(session, "obata", False, actor="test")
    session.commit()
    assert officer_client.get("/console/", follow_redirects=False).status_code == 303


# --- languages ----------------------------------------------------------------------------------------------


def test_both_languages_render_translated_labels(officer_client: TestClient) -> None:
    en = officer_client.get("/console/?lang=en")
    assert '<html lang="en">' in en.text
    for key in ("lane.3", "dashboard.chart", "status.awaiting_inspection", "nav.logout"):
        assert i18n.EN[key] in en.text
    assert "Lane 3 — inspection" in en.text
    ja = officer_client.get("/console/?lang=ja")
    assert '<html lang="ja">' in ja.text
    for key in ("lane.3", "dashboard.chart", "status.awaiting_inspection", "nav.logout"):
        assert i18n.JA[key] in ja.text
    assert "区分3 検査" in ja.text and "Lane 3 — inspection" not in ja.text
    # the choice is remembered for the next pages
    queue = officer_client.get("/console/queue?lane=3")
    assert '<html lang="ja">' in queue.text and i18n.JA["col.importer"] in queue.text


def test_declaration_page_in_both_languages(officer_client: TestClient, seeded: Seed) -> None:
    url = f"/console/declarations/{seeded.lane3.id}"
    en = officer_client.get(url + "?lang=en").text
    ja = officer_client.get(url + "?lang=ja").text
    for key in ("asm.title", "col.duty_jpy", "reasons.title", "action.release", "hist.title",
                "inspection_result.no_discrepancy"):
        assert i18n.EN[key] in en, key
        assert i18n.JA[key] in ja, key
    assert "異常なし" in ja and "輸入許可" in ja


def test_language_from_accept_language(client: TestClient, seeded: Seed) -> None:
    en = client.get("/console/login", headers={"Accept-Language": "en-GB,en;q=0.9,ja;q=0.5"})
    assert '<html lang="en">' in en.text and i18n.EN["login.title"] in en.text
    client.cookies.clear()
    ja = client.get("/console/login", headers={"Accept-Language": "ja-JP,ja;q=0.9,en;q=0.8"})
    assert '<html lang="ja">' in ja.text and i18n.JA["login.title"] in ja.text


def test_switch_links_on_every_page(officer_client: TestClient, seeded: Seed) -> None:
    for path in ("/console/", "/console/queue?lane=2&status=open", f"/console/declarations/{seeded.lane2.id}"):
        html = officer_client.get(path).text
        assert 'hreflang="ja"' in html and 'hreflang="en"' in html, path
    html = officer_client.get("/console/queue?lane=2&status=open").text
    assert "/console/queue?lane=2&amp;status=open&amp;lang=en" in html


def test_translations_are_complete() -> None:
    assert set(i18n.EN) == set(i18n.JA)
    assert all(i18n.EN.values()) and all(i18n.JA.values())
    keys = [f"status.{s}" for s in lifecycle.STATUSES] + [f"action.{a}" for a in lifecycle.DECISIONS]
    keys += [f"lane.{n}" for n in (1, 2, 3)] + [f"inspection_result.{r}" for r in lifecycle.INSPECTION_RESULTS]
    for key in keys:
        assert i18n.has(key), key
        assert i18n.JA[key] != i18n.EN[key], key


@pytest.mark.parametrize("header,lang", [(None, "ja"), ("", "ja"), ("en-US,en;q=0.9", "en"), ("ja", "ja"),
                                         ("fr-FR, en;q=0.5", "en"), ("en;q=0.2, ja;q=0.8", "ja"),
                                         ("de", "ja"), ("en;q=0", "ja"), ("en;q=bad, ja", "ja")])
def test_negotiate(header: str | None, lang: str) -> None:
    assert i18n.negotiate(header) == lang


# --- dashboard and queues -----------------------------------------------------------------------------------


def test_dashboard_chart_and_queue_links(officer_client: TestClient, session: Session) -> None:
    html = officer_client.get("/console/?lang=en").text
    assert "<svg" in html and 'role="img"' in html
    assert 'href="/console/queue?lane=3&amp;status=open"' in html
    counts = service.counts_by_lane_status(session)
    for lane in (1, 2, 3):
        total = sum(n for (ln, _), n in counts.items() if ln == lane)
        assert f'data-lane="{lane}" data-total="{total}"' in html
    assert counts[(3, lifecycle.AWAITING_INSPECTION)] >= 1


def test_queue_filters(officer_client: TestClient, seeded: Seed) -> None:
    lane3 = officer_client.get("/console/queue?lane=3&status=open").text
    assert seeded.lane3.id[:8] in lane3 and seeded.lane2.id[:8] not in lane3
    lane2 = officer_client.get("/console/queue?lane=2").text
    assert seeded.lane2.id[:8] in lane2 and seeded.lane3.id[:8] not in lane2
    open_ = officer_client.get("/console/queue?status=open").text
    assert seeded.lane1.id[:8] not in open_ and seeded.lane2.id[:8] in open_
    released = officer_client.get("/console/queue?status=released").text
    assert seeded.lane1.id[:8] in released and seeded.lane2.id[:8] not in released


def test_queue_row_shows_totals_and_aeo(officer_client: TestClient, seeded: Seed, session: Session,
                                        make_trader) -> None:  # type: ignore[no-untyped-def]
    aeo_trader, _ = make_trader("AEO Importer K.K.", code="AEO-KK", aeo=True)
    d = lodge(session, aeo_trader, body(line("420221", "300000", "0.16"),
                                        importer={"code": "AEO-KK", "name": "AEO Importer K.K.", "country": "JP"}))
    session.commit()
    html = officer_client.get("/console/queue?lane=2&lang=en").text
    row = re.search(rf'<tr data-id="{d.id}">(.*?)</tr>', html, re.S)
    assert row is not None
    assert fmt_yen(d.customs_value_jpy) in row.group(1) and fmt_yen(d.total_jpy) in row.group(1)
    assert 'class="badge aeo"' in row.group(1)
    for header in ("col.id", "col.lodged_at", "col.consignor", "col.customs_value", "col.total_tax", "col.aeo"):
        assert f">{i18n.EN[header]}</th>" in html


def test_queue_oldest_first_and_paging(officer_client: TestClient, seeded: Seed, session: Session,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    later = lodge(session, seeded.trader, body(line("420221", "100000", "0.16")))
    session.commit()
    html = officer_client.get("/console/queue?lane=2").text
    assert html.index(seeded.lane2.id[:8]) < html.index(later.id[:8])
    rows, total = service.queue(session, lane=2, status=None, limit=1000)
    assert total >= 2
    monkeypatch.setattr(routes, "PAGE_SIZE", 1)
    for n, d in enumerate(rows[:3], start=1):
        page = officer_client.get(f"/console/queue?lane=2&page={n}").text
        shown = set(re.findall(r'<tr data-id="([^"]+)"', page))
        assert shown == {d.id}
        assert ('rel="prev"' in page) is (n > 1) and ('rel="next"' in page) is (n < total)


@pytest.mark.parametrize("query", ["lane=9", "status=bogus", "lane=x"])
def test_queue_bad_filter(officer_client: TestClient, query: str) -> None:
    r = officer_client.get(f"/console/queue?{query}")
    assert r.status_code == 422


# --- the declaration page -----------------------------------------------------------------------------------


def _row(html: str, line_no: int) -> str:
    m = re.search(rf'<tr data-line="{line_no}">(.*?)</tr>', html, re.S)
    assert m, f"no row for line {line_no}"
    return m.group(1)


def _cell(row_html: str, field: str) -> str:
    m = re.search(rf'data-field="{field}">(.*?)</td>', row_html, re.S)
    assert m, field
    return m.group(1)


def test_declaration_page_shows_the_stored_assessment(officer_client: TestClient, seeded: Seed,
                                                      session: Session) -> None:
    d = service.get(session, seeded.lane3.id)
    stored = service.to_out(d)["assessment"]
    html = officer_client.get(f"/console/declarations/{d.id}?lang=en").text
    assert len(stored["lines"]) == 2
    for al in stored["lines"]:
        row = _row(html, al["line_no"])
        for field in ("value_jpy", "dutiable_value_jpy", "duty_jpy", "ct_base_jpy", "consumption_tax_national_jpy",
                      "consumption_tax_local_jpy"):
            assert _cell(row, field).strip() == fmt_yen(al[field]), field
        assert fmt_rate(al["applied_rate"]) in _cell(row, "applied_rate")
        assert i18n.EN[f"rate_source.{al['rate_source']}"] in _cell(row, "rate_source")
        for note in al["notes"]:
            assert note in html
    ja_html = officer_client.get(f"/console/declarations/{d.id}?lang=ja").text
    notes = [n for al in stored["lines"] for n in al["notes"]]
    assert any(say(n, "ja") != n for n in notes)
    for note in notes:  # the calculation's notes in the page's language
        assert str(escape(say(note, "ja"))) in ja_html
    for total in ("duty_jpy", "consumption_tax_national_jpy", "consumption_tax_local_jpy", "total_jpy"):
        m = re.search(rf'data-total="{total}">(?:<strong>)?(.*?)(?:</strong>)?</td>', html)
        assert m and m.group(1) == fmt_yen(stored[total]), total
    assert stored["duty_jpy"] > 0 and fmt_yen(stored["total_jpy"]).count(",") >= 1
    for rule in stored["rules_applied"]:
        assert rule["rule"] in html
    # why lane 3
    hit = next(h for h in d.lane_reasons if h["lane"] == 3)
    assert hit["profile"] in html and hit["reason"] in html and i18n.EN["crit.hs_prefix"] in html
    # declared lines, history, no exchange rate for yen
    assert "Revolver parts" in html and "930200" in html
    assert i18n.EN["action.lodged"] in html and i18n.EN["ex.none"] in html


def test_declaration_page_shows_the_exchange_rate(officer_client: TestClient, seeded: Seed,
                                                  session: Session, tmp_path: Path) -> None:
    rates = tmp_path / "rates.csv"
    rates.write_text(demo_rates_csv(date.today()), "utf-8")
    reference.load_rates(session, reference.parse_rates_csv(rates), actor="test")
    d = lodge(session, seeded.trader, body(line("420221", "3200.00", "0.16"), currency="EUR"))
    session.commit()
    assert d.exchange_rate is not None
    html = officer_client.get(f"/console/declarations/{d.id}?lang=en").text
    block = re.search(r'id="exchange-rate">(.*?)</dl>', html, re.S)
    assert block and d.exchange_rate["rate_jpy"] in block.group(1) and "EUR" in block.group(1)
    assert d.exchange_rate["valid_from"] in block.group(1)


def test_trader_text_is_escaped(officer_client: TestClient, seeded: Seed, session: Session) -> None:
    d = lodge(session, seeded.trader, body(line("420221", "100000", "0.16", description="<script>alert(1)</script>"),
                                           consignor={"name": "<b>Bold</b> & Co", "country": "IT"}))
    session.commit()
    html = officer_client.get(f"/console/declarations/{d.id}").text
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>Bold</b>" not in officer_client.get("/console/queue?lane=2").text


def test_unknown_declaration_is_404(officer_client: TestClient) -> None:
    assert officer_client.get("/console/declarations/no-such-id").status_code == 404


def test_only_allowed_actions_are_offered(officer_client: TestClient, seeded: Seed) -> None:
    under_review = officer_client.get(f"/console/declarations/{seeded.lane2.id}").text
    offered = set(re.findall(r'name="action" value="([a-z_]+)"', under_review))
    assert offered == {a for a in lifecycle.DECISIONS if lifecycle.UNDER_REVIEW in lifecycle.ALLOWED_FROM[a]} - {
        "reroute"}
    awaiting = officer_client.get(f"/console/declarations/{seeded.lane3.id}").text
    assert "record_inspection" in set(re.findall(r'name="action" value="([a-z_]+)"', awaiting))
    release_form = re.search(r'id="form-release"(.*?)</form>', awaiting, re.S)
    assert release_form and 'name="inspection_result"' in release_form.group(1)
    assert re.search(r'<option value="no_discrepancy" selected>', release_form.group(1))
    released = officer_client.get(f"/console/declarations/{seeded.lane1.id}").text
    assert 'name="action"' not in released


# --- decisions ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("which,form,expected", [
    # Duty is due on the seeded lanes 2 and 3: release waits for payment.
    ("lane2", {"action": "release"}, (lifecycle.AWAITING_PAYMENT, 2)),
    ("lane2", {"action": "request_documents"}, (lifecycle.DOCUMENTS_REQUESTED, 2)),
    ("lane2", {"action": "order_inspection"}, (lifecycle.AWAITING_INSPECTION, 3)),
    ("lane2", {"action": "hold"}, (lifecycle.HELD, 2)),
    ("lane2", {"action": "reject"}, (lifecycle.REJECTED, 2)),
    ("lane3", {"action": "record_inspection", "inspection_result": "discrepancy", "findings": "serial removed"},
     (lifecycle.INSPECTED, 3)),
    ("lane3", {"action": "release", "inspection_result": "no_discrepancy"}, (lifecycle.AWAITING_PAYMENT, 3)),
])
def test_each_decision_changes_status(officer_client: TestClient, seeded: Seed, session: Session, which: str,
                                      form: dict[str, str], expected: tuple[str, int]) -> None:
    d = getattr(seeded, which)
    before = history_len(session, d)
    r = decide(officer_client, d.id, reason="checked at the counter", **form)
    assert r.status_code == 303 and r.headers["location"] == f"/console/declarations/{d.id}"
    assert state(session, d) == expected
    assert history_len(session, d) == before + 1
    page = officer_client.get(r.headers["location"] + "?lang=en").text
    assert i18n.EN["dec.done"].format(action=i18n.EN[f"action.{form['action']}"]) in page
    assert f'data-status="{expected[0]}"' in page and "checked at the counter" in page
    if "inspection_result" in form:
        record = re.search(r'id="inspection-record">(.*?)</dl>', page, re.S)
        assert record and i18n.EN[f"inspection_result.{form['inspection_result']}"] in record.group(1)
        assert "obata" in record.group(1)


def test_decision_with_htmx_swaps_the_panel(officer_client: TestClient, seeded: Seed, session: Session) -> None:
    r = decide(officer_client, seeded.lane2.id, htmx=True, action="hold", reason="awaiting permit")
    assert r.status_code == 200
    assert r.text.lstrip().startswith('<div id="declaration-panel"') and "<html" not in r.text
    assert 'data-status="held"' in r.text
    assert state(session, seeded.lane2)[0] == lifecycle.HELD


def test_release_from_inspection_defaults_to_no_discrepancy(officer_client: TestClient, seeded: Seed,
                                                            session: Session) -> None:
    page = officer_client.get(f"/console/declarations/{seeded.lane3.id}").text
    form = re.search(r'id="form-release"(.*?)</form>', page, re.S)
    assert form is not None
    # what a browser sends for the form as rendered: the selected option
    chosen = re.search(r'<option value="([a-z_]+)" selected>', form.group(1))
    assert chosen and chosen.group(1) == "no_discrepancy"
    r = decide(officer_client, seeded.lane3.id, action="release", reason="all in order",
               inspection_result=chosen.group(1), findings="")
    assert r.status_code == 303
    session.expire_all()
    fresh = service.get(session, seeded.lane3.id)
    assert fresh.status == lifecycle.AWAITING_PAYMENT and fresh.inspection
    assert fresh.inspection["result"] == "no_discrepancy"


@pytest.mark.parametrize("htmx", [False, True])
def test_decision_without_reason_is_refused(officer_client: TestClient, seeded: Seed, session: Session,
                                            htmx: bool) -> None:
    before = history_len(session, seeded.lane2)
    r = decide(officer_client, seeded.lane2.id, htmx=htmx, action="release", reason="   ")
    assert r.status_code == 422
    assert state(session, seeded.lane2) == (lifecycle.UNDER_REVIEW, 2)
    assert history_len(session, seeded.lane2) == before
    assert 'id="err-reason"' in r.text and 'aria-invalid="true"' in r.text
    assert i18n.translate("ja", "error.field.reason") in r.text
    assert ("<html" in r.text) is (not htmx)


def test_wrong_state_decision_is_refused(officer_client: TestClient, seeded: Seed, session: Session) -> None:
    r = decide(officer_client, seeded.lane2.id, action="record_inspection", reason="x",
               inspection_result="no_discrepancy")
    assert r.status_code == 409 and i18n.translate("ja", "error.wrong_state") in r.text
    assert state(session, seeded.lane2) == (lifecycle.UNDER_REVIEW, 2)
    released = decide(officer_client, seeded.lane1.id, action="hold", reason="too late")
    assert released.status_code == 409
    assert state(session, seeded.lane1) == (lifecycle.RELEASED, 1)


def test_discrepancy_cannot_be_released_in_one_step(officer_client: TestClient, seeded: Seed,
                                                    session: Session) -> None:
    r = decide(officer_client, seeded.lane3.id, action="release", reason="x", inspection_result="discrepancy")
    assert r.status_code == 409 and i18n.translate("ja", "error.discrepancy_found") in r.text
    assert state(session, seeded.lane3) == (lifecycle.AWAITING_INSPECTION, 3)


def test_unknown_action_is_refused(officer_client: TestClient, seeded: Seed, session: Session) -> None:
    r = decide(officer_client, seeded.lane2.id, action="approve_everything", reason="x")
    assert r.status_code == 422 and state(session, seeded.lane2) == (lifecycle.UNDER_REVIEW, 2)


def test_officer_cannot_reroute(officer_client: TestClient, seeded: Seed, session: Session) -> None:
    page = officer_client.get(f"/console/declarations/{seeded.lane2.id}").text
    assert 'value="reroute"' not in page
    r = decide(officer_client, seeded.lane2.id, action="reroute", reason="looks risky", lane="3")
    assert r.status_code == 403 and i18n.translate("ja", "error.forbidden") in r.text
    assert state(session, seeded.lane2) == (lifecycle.UNDER_REVIEW, 2)


def test_supervisor_can_reroute(supervisor_client: TestClient, seeded: Seed, session: Session) -> None:
    page = supervisor_client.get(f"/console/declarations/{seeded.lane2.id}").text
    assert 'value="reroute"' in page
    r = decide(supervisor_client, seeded.lane2.id, action="reroute", reason="intelligence report", lane="3")
    assert r.status_code == 303
    assert state(session, seeded.lane2) == (lifecycle.AWAITING_INSPECTION, 3)
    html = supervisor_client.get(f"/console/declarations/{seeded.lane2.id}?lang=en").text
    assert "re-routed by sato" in html and "intelligence report" in html
    same = decide(supervisor_client, seeded.lane2.id, action="reroute", reason="again", lane="3")
    assert same.status_code == 409 and state(session, seeded.lane2) == (lifecycle.AWAITING_INSPECTION, 3)


# --- CSRF, assets, headers ----------------------------------------------------------------------------------


def test_csrf_missing_or_wrong_is_403(officer_client: TestClient, seeded: Seed, session: Session) -> None:
    url = f"/console/declarations/{seeded.lane2.id}/decisions"
    form = {"action": "release", "reason": "fine"}
    assert officer_client.post(url, data=form).status_code == 403
    assert officer_client.post(url, data={**form, "csrf_token": "forged"}).status_code == 403
    htmx = officer_client.post(url, data=form, headers={"HX-Request": "true"})
    assert htmx.status_code == 403 and htmx.headers["HX-Retarget"] == "#messages"
    assert state(session, seeded.lane2) == (lifecycle.UNDER_REVIEW, 2)
    assert officer_client.post("/console/logout", data={}).status_code == 403


def test_login_form_needs_csrf(client: TestClient, seeded: Seed) -> None:
    client.get("/console/login")
    r = client.post("/console/login", data={"username": "obata", "password": PASSWORD}, follow_redirects=False)
    assert r.status_code == 403
    assert client.get("/console/", follow_redirects=False).status_code == 303


def test_assets_are_served_locally(officer_client: TestClient, seeded: Seed) -> None:
    js = officer_client.get("/console/static/htmx.min.js")
    assert js.status_code == 200 and "htmx" in js.text[:200] and "0BSD" in js.text[:200]
    assert officer_client.get("/console/static/console.css").status_code == 200
    for path in ("/console/", "/console/queue", f"/console/declarations/{seeded.lane3.id}", "/console/login"):
        html = officer_client.get(path).text
        assert not re.search(r'(src|href)="(https?:)?//', html), path
        assert 'src="/console/static/htmx.min.js"' in html


def test_security_headers(officer_client: TestClient) -> None:
    r = officer_client.get("/console/")
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-frame-options"] == "DENY" and r.headers["cache-control"] == "no-store"


def test_session_cookie_settings(client: TestClient, seeded: Seed) -> None:
    r = login(client)
    cookie = r.headers["set-cookie"].lower()
    assert "smartcustoms_console=" in cookie and "httponly" in cookie and "samesite=lax" in cookie
    assert "path=/console" in cookie


# --- pure helpers -------------------------------------------------------------------------------------------


def test_formats() -> None:
    assert fmt_yen(1234567) == "¥1,234,567" and fmt_yen(0) == "¥0" and fmt_yen(None) == "—"
    assert fmt_pct("0.109") == "10.9%" and fmt_pct("0") == "0%" and fmt_pct("0.14") == "14%"
    assert fmt_rate({"ad_valorem": "0.05", "specific_jpy": "10", "specific_unit": "KGM"}) == "5% + ¥10/KGM"
    assert fmt_rate({"ad_valorem": None, "specific_jpy": "400", "specific_unit": "KGM"}) == "¥400/KGM"
    assert fmt_number("1200.500") == "1,200.5" and fmt_number("10") == "10"
    assert fmt_dt("2026-01-01T00:30:00+00:00") == "2026-01-01 09:30 JST"


LANE_LABELS = {1: "Lane 1", 2: "Lane 2", 3: "Lane 3 — inspection"}
STATUS_LABELS = {s: s.replace("_", " ") for s in lifecycle.STATUSES}


def _svg(counts: dict[tuple[int, str], int], **kw: object) -> ET.Element:
    svg = charts.stacked_bars(counts, (1, 2, 3), lifecycle.STATUSES, LANE_LABELS, STATUS_LABELS,  # type: ignore[arg-type]
                              title="Declarations", **kw)
    return ET.fromstring(svg)


NS = "{http://www.w3.org/2000/svg}"


def _segments(root: ET.Element, lane: int) -> list[ET.Element]:
    bar = next(g for g in root.iter(f"{NS}g") if g.get("data-lane") == str(lane))
    return [r for r in bar.iter(f"{NS}rect") if r.get("data-status")]


def test_chart_segments_are_proportional() -> None:
    counts = {(2, "under_review"): 3, (2, "held"): 1, (3, "awaiting_inspection"): 2, (1, "released"): 8}
    root = _svg(counts)
    assert root.get("role") == "img"
    widths = {lane: sum(float(r.get("width", 0)) for r in _segments(root, lane)) for lane in (1, 2, 3)}
    assert widths[1] == pytest.approx(charts.BAR_W)  # the largest lane fills the track
    assert widths[2] == pytest.approx(charts.BAR_W * 4 / 8)
    assert widths[3] == pytest.approx(charts.BAR_W * 2 / 8)
    lane2 = _segments(root, 2)
    assert [r.get("data-status") for r in lane2] == ["under_review", "held"]  # status order kept
    assert float(lane2[0].get("x", 0)) + float(lane2[0].get("width", 0)) == pytest.approx(float(lane2[1].get("x", 0)))
    totals = {g.get("data-lane"): g.get("data-total") for g in root.iter(f"{NS}g") if g.get("data-lane")}
    assert totals == {"1": "8", "2": "4", "3": "2"}


def test_chart_empty_counts() -> None:
    root = _svg({})
    assert all(_segments(root, lane) == [] for lane in (1, 2, 3))
    assert root.find(f"{NS}title") is not None


def test_chart_escapes_labels_and_keeps_unknown_statuses() -> None:
    svg = charts.stacked_bars({(3, "mystery"): 1, (3, "held"): 1}, (1, 2, 3), lifecycle.STATUSES,
                              {3: "<script>x</script>"}, {"held": "A & B"}, title="T <t>")
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "A &amp; B" in svg
    root = ET.fromstring(svg)
    assert [r.get("data-status") for r in _segments(root, 3)] == ["held", "mystery"]


def test_chart_ignores_negative_counts() -> None:
    root = _svg({(1, "released"): -5, (2, "held"): 2})
    assert _segments(root, 1) == [] and len(_segments(root, 2)) == 1


def test_awaiting_payment_is_not_officer_work_and_shows_its_order(officer_client: TestClient, seeded: Seed,
                                                                   session: Session) -> None:
    waiting = lodge(session, seeded.trader, body(line("610910", "90000", "0.109", description="Cotton shirts")))
    session.commit()
    assert waiting.status == lifecycle.AWAITING_PAYMENT
    open_ = officer_client.get("/console/queue?status=open").text
    assert waiting.id[:8] not in open_ and seeded.lane2.id[:8] in open_
    assert waiting.id[:8] in officer_client.get("/console/queue?status=awaiting_payment").text
    for lang, key in (("en", "fact.payment_status.open"), ("ja", "fact.payment_status.open")):
        html = officer_client.get(f"/console/declarations/{waiting.id}?lang={lang}").text
        table = i18n.EN if lang == "en" else i18n.JA
        assert table["fact.payment"] in html and table[key] in html
        order = re.search(r'href="/console/payments/orders/([^"]+)"', html)
        assert order, "the declaration page links its payment order"
        assert officer_client.get(f"/console/payments/orders/{order.group(1)}").status_code == 200
    assert "/console/payments/orders/" not in officer_client.get(
        f"/console/declarations/{seeded.lane2.id}?lang=en").text


@pytest.mark.parametrize("htmx", [False, True])
def test_a_decision_on_a_declaration_the_trader_amended_since_is_refused(officer_client: TestClient, seeded: Seed,
                                                                       session: Session, htmx: bool) -> None:
    """The officer opened version 1; the trader amends (version 2) before the officer clicks release: the release
    must not cover goods and values the officer never saw."""
    from smartcustoms.declarations import flows
    from smartcustoms.declarations.schemas import ImportDeclarationIn

    d = seeded.lane2
    page = officer_client.get(f"/console/declarations/{d.id}")
    assert 'name="version" value="1"' in page.text
    flows.amend(session, d, ImportDeclarationIn.model_validate(
        body(line("420221", "4800000", "0.16", description="Leather handbags (100, not 10)"),
             consignor={"name": "Milano Pelle S.r.l.", "country": "IT"})), seeded.trader, None)
    session.commit()
    assert (d.version, d.status) == (2, "under_review")
    headers = {"HX-Request": "true"} if htmx else {}
    stale = officer_client.post(f"/console/declarations/{d.id}/decisions", headers=headers,
                                data={"csrf_token": csrf_of(page.text), "action": "release", "reason": "checked",
                                      "version": "1"}, follow_redirects=False)
    assert stale.status_code == 409 and "version 2" in stale.text
    assert state(session, d) == ("under_review", 2)
    assert 'name="version" value="2"' in stale.text  # the panel shown again is the amended one
    fresh = decide(officer_client, d.id, action="request_documents", reason="invoice for 100 bags", version="2")
    assert fresh.status_code == 303
    assert state(session, d)[0] == "documents_requested"
