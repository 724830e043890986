"""Loading watch lists: versions, unchanged content, refused formats, the shipped default set."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smartcustoms.audit.models import AuditEntry
from smartcustoms.screening import service
from smartcustoms.screening.defaults import load_defaults, read_defaults
from smartcustoms.screening.loader import load_files
from smartcustoms.screening.models import WatchlistEntry, WatchlistVersion
from smartcustoms.screening.parsers import FormatChanged
from tests.conftest import shared_data
from tests.screening.helpers import BASE_ROWS, uk_file


def versions(session: Session, code: str) -> list[WatchlistVersion]:
    return list(session.scalars(select(WatchlistVersion).where(WatchlistVersion.list_code == code)
                                .order_by(WatchlistVersion.id)))


def test_load_creates_an_active_version_with_entries_and_audit(session: Session, tmp_path: Path) -> None:
    before = session.scalar(select(func.count()).select_from(AuditEntry)) or 0
    r = load_files(session, "UK", [uk_file(tmp_path, BASE_ROWS)], actor="tester")
    assert r.created and r.entry_count == 3 and r.name_count == 4
    [v] = versions(session, "UK")
    assert v.active and v.sha256 == r.sha256 and v.source_files[0]["file"] == "uk-sanctions-names.csv"
    entries = session.scalars(select(WatchlistEntry).where(WatchlistEntry.version_id == v.id)).all()
    assert {e.entry_id for e in entries} == {"UK-RUS0001", "UK-RUS0002", "UK-RUS0003"}
    assert (session.scalar(select(func.count()).select_from(AuditEntry)) or 0) == before + 1
    assert service.active_versions(session)["UK"] == v.version_label


def test_unchanged_content_makes_no_new_version(session: Session, tmp_path: Path) -> None:
    path = uk_file(tmp_path, BASE_ROWS)
    first = load_files(session, "UK", [path])
    again = load_files(session, "UK", [path])
    assert not again.created and again.version_label == first.version_label
    assert len(versions(session, "UK")) == 1


def test_new_content_replaces_the_active_version_and_keeps_the_old(session: Session, tmp_path: Path) -> None:
    load_files(session, "UK", [uk_file(tmp_path, BASE_ROWS)], label="v1")
    changed = [*BASE_ROWS[:3], ("RUS0003", "Individual", "Primary Name", "Ivan Petrovich SIDOROV-NEW")]
    r = load_files(session, "UK", [uk_file(tmp_path / "..", changed, "uk-2.csv")], label="v2")
    assert r.created
    old, new = versions(session, "UK")
    assert (old.version_label, old.active, new.version_label, new.active) == ("v1", False, "v2", True)


def test_changed_format_is_refused_and_the_previous_version_stays(session: Session, tmp_path: Path) -> None:
    load_files(session, "UK", [uk_file(tmp_path, BASE_ROWS)], label="good")
    bad = tmp_path / "uk-changed.csv"
    bad.write_text("id,regime,full_name\nX1,Test,Someone\n", encoding="utf-8")
    with pytest.raises(FormatChanged) as exc:
        load_files(session, "UK", [bad])
    assert "previous version stays active" in exc.value.message
    [v] = versions(session, "UK")
    assert v.version_label == "good" and v.active


def test_real_official_file_loads(session: Session) -> None:
    r = load_files(session, "BIS-DPL", [shared_data("watchlists", "bis-denied-persons.tsv")])
    assert r.created and r.entry_count > 400


def test_default_set_ships_every_list_and_loads(session: Session) -> None:
    shipped = {code: len(entries) for code, _, entries in read_defaults()}
    assert set(shipped) == {"METI-EUL", "MOF-AF", "UN", "OFAC-SDN", "EU", "UK", "BIS-DPL"}
    assert all(n > 100 for n in shipped.values())
    results = load_defaults(session, actor="tester", codes=["METI-EUL", "BIS-DPL"])
    assert [r.created for r in results] == [True, True]
    assert [r.created for r in load_defaults(session, codes=["METI-EUL", "BIS-DPL"])] == [False, False]
    hit = service.screen_party(session, "高麗航空")
    assert hit.hits and hit.hits[0].list_code == "METI-EUL" and hit.hits[0].entry_name == "Air Koryo"
