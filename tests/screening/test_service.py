"""screen_party: hits, filters, bad input, recorded list versions, stable entry ids and digests."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcustoms.errors import SmartCustomsError
from smartcustoms.screening import service
from smartcustoms.screening.loader import load_files
from smartcustoms.screening.models import ScreeningRecord
from tests.screening.helpers import BASE_ROWS, uk_file


@pytest.fixture()
def loaded(session: Session, tmp_path: Path) -> str:
    return load_files(session, "UK", [uk_file(tmp_path, BASE_ROWS)], label="uk-test-1").version_label


def test_hit_carries_list_entry_score_reason_and_versions(session: Session, loaded: str) -> None:
    result = service.screen_party(session, "ミロシェヴィッチ・ボリスラフ")
    assert result.list_versions["UK"] == loaded
    [hit] = [h for h in result.hits if h.entry_id == "UK-RUS0001"]
    assert hit.list_code == "UK" and hit.list_version == loaded and hit.entry_name == "Borislav MILOSEVIC"
    assert hit.score >= result.threshold and "ミロシェヴィッチ・ボリスラフ → " in hit.reason
    assert hit.entity_type == "person" and len(hit.entry_digest) == 64
    record = session.get(ScreeningRecord, result.record_id)
    assert record is not None and record.list_versions == {"UK": loaded} and record.hit_count == len(result.hits)


def test_no_hit_below_threshold_and_legal_form_queries(session: Session, loaded: str) -> None:
    assert service.screen_party(session, "Maria Gonzalez").hits == []
    assert service.screen_party(session, "Toshiba Export").hits  # legal form left out on the list side
    with pytest.raises(SmartCustomsError) as exc:
        service.screen_party(session, "Corp.")
    assert exc.value.errors[0].field == "name" and exc.value.errors[0].code == "no_content"


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"name": ""}, "name"), ({"name": "   "}, "name"), ({"name": "!!!---"}, "name"), ({"name": "x" * 1001}, "name"),
    ({"name": "A" * 10_000}, "name"), ({"name": "Ivan", "country": "ZZ"}, "country"),
    ({"name": "Ivan", "entity_type": "alien"}, "entity_type"), ({"name": "Ivan", "limit": 0}, "limit"),
])
def test_bad_input_names_the_field(session: Session, loaded: str, kwargs: dict, field: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(SmartCustomsError) as exc:
        service.screen_party(session, **kwargs)
    assert exc.value.status_code == 422 and exc.value.errors[0].field == field
    assert session.scalars(select(ScreeningRecord)).all() == []


def test_filters_adjust_scores(session: Session, loaded: str) -> None:
    plain = service.screen_party(session, "Milosevic Borislav").hits[0]
    wrong_type = service.screen_party(session, "Milosevic Borislav", entity_type="entity").hits[0]
    assert wrong_type.entry_id == plain.entry_id and wrong_type.score < plain.score
    assert "entity type differs" in wrong_type.reason


def test_country_and_date_of_birth_move_the_score() -> None:
    entry = service._Entry("UN", "v1", "UN-1", "Ivan Sidorov", "person", ("RU",), ("1970-01-01",), "", "d")
    same, notes = service.adjust(0.86, entry, "RU", date(1970, 1, 1), "person")
    assert same > 0.86 and any("date of birth matches" in n for n in notes)
    other, notes = service.adjust(0.86, entry, "JP", date(1985, 5, 5), None)
    assert other < 0.86 and any("differs" in n for n in notes)
    assert service.adjust(0.86, entry, None, None, None) == (0.86, [])


def test_entry_ids_stable_and_digest_changes_with_the_entry(session: Session, tmp_path: Path, loaded: str) -> None:
    before = {h.entry_id: h.entry_digest for h in service.screen_party(session, "Ivan Petrovich Sidorov").hits}
    changed = [*BASE_ROWS, ("RUS0003", "Individual", "Alias", "Vanya SIDOROV")]
    load_files(session, "UK", [uk_file(tmp_path / "..", changed, "uk-next.csv")], label="uk-test-2")
    after = service.screen_party(session, "Ivan Petrovich Sidorov")
    assert after.list_versions == {"UK": "uk-test-2"}   # the index was rebuilt for the new version
    digests = {h.entry_id: h.entry_digest for h in after.hits}
    assert set(before) == set(digests) == {"UK-RUS0003"}
    assert before["UK-RUS0003"] != digests["UK-RUS0003"]
    unchanged = service.screen_party(session, "Milosevic Borislav").hits[0]
    assert unchanged.entry_id == "UK-RUS0001"
