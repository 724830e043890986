"""Officer console pages for exports, in Japanese and English: list with open hits, the export page, verdicts."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from smartcustoms.exports import flows
from smartcustoms.exports.schemas import ExportDeclarationIn
from smartcustoms.identity import service as identity
from tests.console.helpers import PASSWORD, csrf_of, login
from tests.exports.helpers import EUL_CODE, body, line

KORYO = {"name": "Air Koryo", "address": "", "country": "CN"}


def _seed(session: Session, trader: Any) -> tuple[Any, Any]:
    identity.create_officer(session, "obata", PASSWORD, "officer", actor="test")
    hit = flows.lodge(session, ExportDeclarationIn.model_validate(
        body(consignee=KORYO, end_user=None, destination_country="CN")), trader)
    clean = flows.lodge(session, ExportDeclarationIn.model_validate(body()), trader)
    session.commit()
    return hit, clean


def test_pages_render_in_both_languages(client: TestClient, session: Session, eul, exporter) -> None:
    hit, clean = _seed(session, exporter[0])
    assert login(client).status_code == 303
    en = client.get("/console/exports?lang=en")
    assert en.status_code == 200 and "Export declarations" in en.text
    assert hit.id in en.text and clean.id not in en.text  # only exports with open hits by default
    assert "<svg" in en.text  # open hits by kind
    assert clean.id in client.get("/console/exports?show=all&lang=en").text
    page = client.get(f"/console/exports/{hit.id}?lang=en")
    assert page.status_code == 200
    for text in ("Air Koryo", EUL_CODE, eul.version_label, "True match", "False positive", "FEFTA art. 48"):
        assert text in page.text, text
    ja = client.get(f"/console/exports/{hit.id}?lang=ja")
    assert "輸出申告" in ja.text and "誤検知" in ja.text and "該当" in ja.text
    assert '<html lang="ja">' in ja.text
    assert client.get("/console/exports/nope?lang=en").status_code == 404


def test_officer_resolves_a_hit_and_releases(client: TestClient, session: Session, eul, exporter) -> None:
    hit, _ = _seed(session, exporter[0])
    login(client)
    page = client.get(f"/console/exports/{hit.id}?lang=en")
    hit_id = next(h.id for h in hit.hits if h.kind == "party")
    # Releasing before the hit is resolved is refused, naming why.
    early = client.post(f"/console/exports/{hit.id}/decisions",
                        data={"csrf_token": csrf_of(page.text), "action": "release", "reason": "ok"})
    assert early.status_code == 409 and "resolve every open hit" in early.text
    missing = client.post(f"/console/exports/{hit.id}/hits/{hit_id}",
                          data={"csrf_token": csrf_of(page.text), "resolution": "false_positive", "reason": ""})
    assert missing.status_code == 422
    r = client.post(f"/console/exports/{hit.id}/hits/{hit_id}", follow_redirects=False,
                    data={"csrf_token": csrf_of(page.text), "resolution": "false_positive",
                          "reason": "different company: a travel agency in Shenyang"})
    assert r.status_code == 303
    after = client.get(f"/console/exports/{hit.id}?lang=en")
    assert "Recorded." in after.text and "different company" in after.text and 'value="release"' in after.text
    done = client.post(f"/console/exports/{hit.id}/decisions", follow_redirects=False,
                       data={"csrf_token": csrf_of(after.text), "action": "release", "reason": "hits cleared"})
    assert done.status_code == 303
    session.refresh(hit)
    assert hit.status == "released"
    # The history names the steps in the page's language, not by their codes.
    ja = client.get(f"/console/exports/{hit.id}?lang=ja").text
    assert "hit_false_positive" not in ja and "非該当（誤検知） →" in ja and "輸出許可 →" in ja


def test_forms_need_login_and_csrf(client: TestClient, session: Session, eul, exporter) -> None:
    hit, _ = _seed(session, exporter[0])
    assert client.get("/console/exports", follow_redirects=False).status_code == 303
    login(client)
    r = client.post(f"/console/exports/{hit.id}/decisions", data={"action": "reject", "reason": "x"})
    assert r.status_code == 403


def test_prohibited_destination_offers_only_true_match(client: TestClient, session: Session, eul, exporter) -> None:
    _seed(session, exporter[0])
    kp = flows.lodge(session, ExportDeclarationIn.model_validate(
        body(destination_country="KP", consignee={"name": "Chollima Trading", "country": "KP"}, end_user=None)),
        exporter[0])
    session.commit()
    login(client)
    for lang in ("en", "ja"):
        page = client.get(f"/console/exports/{kp.id}?lang={lang}")
        assert page.status_code == 200
        assert 'value="true_match"' in page.text
        assert 'value="false_positive"' not in page.text and 'value="licence_checked"' not in page.text
    (dest,) = kp.hits
    r = client.post(f"/console/exports/{kp.id}/hits/{dest.id}",
                    data={"csrf_token": csrf_of(page.text), "resolution": "false_positive", "reason": "x"})
    assert r.status_code == 409 and "prohibited" in r.text


def test_queue_shows_every_export_waiting_and_drops_refused_ones(client: TestClient, session: Session,
                                                                 exporter: Any) -> None:
    """No watch list loaded: the export waits in lane 2 without a hit; it must still reach an officer. A refused
    export leaves the open-hits list even if its hits were never resolved."""
    identity.create_officer(session, "obata", PASSWORD, "officer", actor="test")
    unscreened = flows.lodge(session, ExportDeclarationIn.model_validate(body()), exporter[0])
    held = flows.lodge(session, ExportDeclarationIn.model_validate(
        body(destination_country="KP", consignee={"name": "Chollima Trading", "country": "KP"}, end_user=None)),
        exporter[0])
    session.commit()
    assert (unscreened.status, unscreened.open_hits) == ("under_review", 0)
    login(client)
    waiting = client.get("/console/exports?show=waiting&lang=en")
    assert waiting.status_code == 200 and unscreened.id in waiting.text and held.id in waiting.text
    assert "Waiting for an officer" in waiting.text
    assert "輸出申告" in client.get("/console/exports?show=waiting&lang=ja").text
    assert held.id in client.get("/console/exports?lang=en").text
    page = client.get(f"/console/exports/{held.id}?lang=en")
    r = client.post(f"/console/exports/{held.id}/decisions", follow_redirects=False,
                    data={"csrf_token": csrf_of(page.text), "action": "reject", "reason": "North Korea"})
    assert r.status_code == 303
    assert held.id not in client.get("/console/exports?lang=en").text
    assert held.id not in client.get("/console/exports?show=waiting&lang=en").text
    assert held.id in client.get("/console/exports?show=all&lang=en").text


def test_unscreened_export_is_screened_from_the_console_before_release(client: TestClient, session: Session,
                                                                       exporter: Any) -> None:
    """Lodged while no watch list was loaded: it cannot be released until its parties are screened; an officer
    screens them from the page once the lists are loaded, and the hits join the export."""
    from tests.conftest import shared_data
    from tests.exports.helpers import load_eul

    identity.create_officer(session, "obata", PASSWORD, "officer", actor="test")
    d = flows.lodge(session, ExportDeclarationIn.model_validate(body(consignee=KORYO, end_user=None)), exporter[0])
    session.commit()
    assert d.screening["problem"] and d.open_hits == 0
    login(client)
    page = client.get(f"/console/exports/{d.id}?lang=en")
    assert 'value="release"' not in page.text and "Screen the parties now" in page.text
    r = client.post(f"/console/exports/{d.id}/decisions",
                    data={"csrf_token": csrf_of(page.text), "action": "release", "reason": "looks fine"})
    assert r.status_code == 409 and "never screened" in r.text
    # Still no list: refused, nothing changes.
    r = client.post(f"/console/exports/{d.id}/rescreen", data={"csrf_token": csrf_of(page.text)})
    assert r.status_code == 409
    load_eul(session, shared_data("watchlists", "meti-end-user-list-2025-09-29.csv"))
    session.commit()
    r = client.post(f"/console/exports/{d.id}/rescreen", data={"csrf_token": csrf_of(page.text)},
                    follow_redirects=False)
    assert r.status_code == 303
    session.refresh(d)
    assert d.screening["problem"] is None and d.open_hits >= 1 and EUL_CODE in d.screening["list_versions"]
    assert any(h.kind == "party" and h.list_code == EUL_CODE and h.state == "open" for h in d.hits)
    ja = client.get(f"/console/exports/{d.id}?lang=ja").text
    assert "当事者を今すぐスクリーニング" in ja and 'action="/console/exports/' + d.id + '/rescreen"' not in ja
    again = client.post(f"/console/exports/{d.id}/rescreen", data={"csrf_token": csrf_of(page.text)})
    assert again.status_code == 409
    assert client.post(f"/console/exports/{d.id}/rescreen", data={}).status_code == 403


def test_a_decision_taken_on_a_page_the_trader_has_since_amended_is_refused(client: TestClient, session: Session,
                                                                           eul, exporter) -> None:
    """The officer reviewed version 1; the trader amends (version 2) before the officer clicks: the click must not
    release or resolve what the officer never saw."""
    hit, _ = _seed(session, exporter[0])
    login(client)
    hit_id = next(h.id for h in hit.hits if h.kind == "party")
    page = client.get(f"/console/exports/{hit.id}?lang=en")
    assert client.post(f"/console/exports/{hit.id}/hits/{hit_id}", follow_redirects=False,
                       data={"csrf_token": csrf_of(page.text), "resolution": "false_positive",
                             "reason": "different company", "version": "1"}).status_code == 303
    page = client.get(f"/console/exports/{hit.id}?lang=en")
    assert 'name="version" value="1"' in page.text
    # Meanwhile the trader changes the goods (no new hit: the remembered verdict still applies).
    flows.amend(session, hit, ExportDeclarationIn.model_validate(
        body(line(description="Cotton T-shirts and 40 laptop computers", value="9000000"),
             consignee=KORYO, end_user=None, destination_country="CN")), exporter[0], None)
    session.commit()
    assert (hit.version, hit.open_hits) == (2, 0)
    stale = client.post(f"/console/exports/{hit.id}/decisions",
                        data={"csrf_token": csrf_of(page.text), "action": "release", "reason": "reviewed",
                              "version": "1"})
    assert stale.status_code == 409 and "version 2" in stale.text
    session.refresh(hit)
    assert hit.status == "under_review"
    fresh = client.get(f"/console/exports/{hit.id}?lang=ja")
    assert 'name="version" value="2"' in fresh.text
    ok = client.post(f"/console/exports/{hit.id}/decisions", follow_redirects=False,
                     data={"csrf_token": csrf_of(fresh.text), "action": "release", "reason": "reviewed v2",
                           "version": "2"})
    assert ok.status_code == 303
    session.refresh(hit)
    assert hit.status == "released"
