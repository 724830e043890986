"""Parsers on the official files in ../shared/data/watchlists and on deliberately changed formats."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from smartcustoms.screening.entries import ParsedEntry
from smartcustoms.screening.parsers import FormatChanged, parse_files
from tests.conftest import shared_data


def wl(name: str) -> Path:
    return shared_data("watchlists", name)


def by_id(entries: list[ParsedEntry], entry_id: str) -> ParsedEntry:
    return next(e for e in entries if e.entry_id == entry_id)


def test_meti_xlsx_and_csv_give_the_same_entries() -> None:
    xlsx = parse_files("METI-EUL", [wl("meti-end-user-list-2025-09-29.xlsx")])
    csv_ = parse_files("METI-EUL", [wl("meti-end-user-list-2025-09-29.csv")])
    assert len(xlsx) == len(csv_) == 835
    assert {e.entry_id for e in xlsx} == {e.entry_id for e in csv_}
    koryo = next(e for e in xlsx if e.primary_name == "Air Koryo")
    names = [n.name for n in koryo.names]
    assert "高麗航空" in names and "Airkoryo" in names and koryo.countries == ["KP"]


def test_mof_xlsx_and_csv_keep_japanese_and_english_names() -> None:
    entries = parse_files("MOF-AF", [wl("mof-asset-freeze-2026-03-05.csv")])
    xlsx = parse_files("MOF-AF", [wl("mof-asset-freeze-2026-03-05.xlsx")])
    assert {e.entry_id for e in entries} == {e.entry_id for e in xlsx}
    borislav = by_id(entries, "MOF-1-4")
    assert [n.name for n in borislav.names][:2] == ["Milosevic Borislav", "ミロシェヴィッチ・ボリスラフ"]
    assert borislav.entity_type == "person" and borislav.birth_dates == ["1936"]
    # Lifted measures (【解除】 sheets) and deleted rows are not listed.
    assert not any(e.entry_id.startswith("MOF-8-") for e in entries)
    assert "MOF-4-1" not in {e.entry_id for e in entries}
    # Aliases separated by Japanese commas stay whole katakana names.
    atwa = by_id(entries, "MOF-4-3")
    assert "ハッサン・ロストム・サリム" in [n.name for n in atwa.names]


def test_un_xml_individuals_and_entities() -> None:
    entries = parse_files("UN", [wl("un-consolidated-2026-02-27.xml")])
    assert len(entries) == 1003
    assert sum(e.entity_type == "person" for e in entries) == 730
    badege = by_id(entries, "UN-6907993")
    assert badege.primary_name == "ERIC BADEGE" and "CD" in badege.countries and badege.birth_dates == ["1971"]


def test_ofac_sdn_with_aliases_and_addresses() -> None:
    files = [wl("ofac-sdn-2024-05-03.csv"), wl("ofac-alt-2025-02.csv"), wl("ofac-add-2025-02.csv")]
    entries = parse_files("OFAC-SDN", files)
    assert len(entries) == 14965
    bnc = by_id(entries, "OFAC-306")
    assert bnc.primary_name == "BANCO NACIONAL DE CUBA" and "NATIONAL BANK OF CUBA" in [n.name for n in bnc.names]
    assert {"CH", "ES", "JP", "PA"} <= set(bnc.countries)  # from the address file
    # The SDN file alone loads too (aliases are optional).
    assert len(parse_files("OFAC-SDN", files[:1])) == 14965


def test_eu_uk_bis_name_files() -> None:
    eu = parse_files("EU", [wl("eu-consolidated-names.csv")])
    assert len(eu) == 5860
    yassin = by_id(eu, "EU-1069")
    assert yassin.entity_type == "person" and "Salim Yasin" in [n.name for n in yassin.names]
    uk = parse_files("UK", [wl("uk-sanctions-names.csv")])
    assert len(uk) > 5000
    non_latin = [n for e in uk for n in e.names if n.kind == "original-script"]
    assert non_latin and any(any(ord(ch) > 0x400 for ch in n.name) for n in non_latin)
    bis = parse_files("BIS-DPL", [wl("bis-denied-persons.tsv")])
    assert len(bis) > 400 and all(e.entry_id.startswith("BIS-") for e in bis)


def test_entry_ids_are_stable_across_parses() -> None:
    a = parse_files("BIS-DPL", [wl("bis-denied-persons.tsv")])
    b = parse_files("BIS-DPL", [wl("bis-denied-persons.tsv")])
    assert [(e.entry_id, e.digest()) for e in a] == [(e.entry_id, e.digest()) for e in b]


def _copy_csv(src: Path, dst: Path, rename: tuple[str, str]) -> Path:
    text = src.read_text(encoding="utf-8-sig")
    dst.write_text(text.replace(rename[0], rename[1], 1), encoding="utf-8")
    return dst


@pytest.mark.parametrize(("code", "name", "rename"), [
    ("EU", "eu-consolidated-names.csv", ("whole_name", "full_name")),
    ("UK", "uk-sanctions-names.csv", ("non_latin", "nonlatin")),
    ("BIS-DPL", "bis-denied-persons.tsv", ('"Name"', '"Party"')),
    ("METI-EUL", "meti-end-user-list-2025-09-29.csv", ("Also Known As", "Aliases")),
    ("MOF-AF", "mof-asset-freeze-2026-03-05.csv", ("英語表記", "英文表記")),
    ("UN", "un-consolidated-2026-02-27.xml", ("<CONSOLIDATED_LIST", "<SANCTIONS_LIST")),
])
def test_changed_format_is_refused_with_a_clear_message(tmp_path: Path, code: str, name: str,
                                                        rename: tuple[str, str]) -> None:
    changed = _copy_csv(wl(name), tmp_path / name, rename)
    with pytest.raises(FormatChanged) as exc:
        parse_files(code, [changed])
    assert exc.value.errors[0].field == "file" and "previous version stays active" in exc.value.message


def test_ofac_with_a_changed_column_count_is_refused(tmp_path: Path) -> None:
    rows = list(csv.reader(wl("ofac-sdn-2024-05-03.csv").open(encoding="utf-8", errors="replace")))[:100]
    out = tmp_path / "sdn.csv"
    with out.open("w", newline="") as fh:
        csv.writer(fh).writerows(r[:11] for r in rows)
    with pytest.raises(FormatChanged, match="columns"):
        parse_files("OFAC-SDN", [out])


def test_unknown_list_and_missing_file(tmp_path: Path) -> None:
    from smartcustoms.errors import SmartCustomsError

    with pytest.raises(SmartCustomsError) as exc:
        parse_files("NOPE", [tmp_path / "x.csv"])
    assert exc.value.errors[0].field == "list"
    with pytest.raises(SmartCustomsError) as exc:
        parse_files("EU", [tmp_path / "missing.csv"])
    assert exc.value.errors[0].field == "file"
