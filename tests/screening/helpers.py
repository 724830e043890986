"""Small watch lists written in the official formats, for database tests."""

from __future__ import annotations

from pathlib import Path

UK_HEADER = ("unique_id,ofsi_group_id,un_reference_number,individual_entity_ship,regime_name,designation_source,"
             "date_designated,name_type,name,non_latin\n")


def uk_file(folder: Path, rows: list[tuple[str, str, str, str]], name: str = "uk-sanctions-names.csv") -> Path:
    """rows: (unique_id, Individual|Entity, name_type, name)."""
    path = folder / name
    body = "".join(f"{uid},1,,{kind},Test Regime,UK,2024-01-01,{nt},\"{nm}\",\n" for uid, kind, nt, nm in rows)
    path.write_text(UK_HEADER + body, encoding="utf-8")
    return path


BASE_ROWS = [
    ("RUS0001", "Individual", "Primary Name", "Borislav MILOSEVIC"),
    ("RUS0001", "Individual", "Alias", "Milosevic Borislav"),
    ("RUS0002", "Entity", "Primary Name", "Toshiba Export Corporation"),
    ("RUS0003", "Individual", "Primary Name", "Ivan Petrovich SIDOROV"),
]
