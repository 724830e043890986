"""UK Sanctions List, one row per name (CSV), with names in non-Latin scripts."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from smartcustoms.screening.entries import ParsedEntry
from smartcustoms.screening.parsers import ListFormat
from smartcustoms.screening.parsers.common import dict_rows

CODE = "UK"
_COLUMNS = ("unique_id", "individual_entity_ship", "regime_name", "name_type", "name", "non_latin")
_TYPES = {"individual": "person", "entity": "entity", "ship": "vessel"}


def parse(paths: Sequence[Path]) -> list[ParsedEntry]:
    entries: dict[str, ParsedEntry] = {}
    for row in dict_rows(CODE, paths[0], _COLUMNS):
        key = row["unique_id"]
        if not key:
            continue
        e = entries.get(key)
        if e is None:
            e = entries[key] = ParsedEntry(f"UK-{key}", [], _TYPES.get(row["individual_entity_ship"].lower()),
                                           programmes=row["regime_name"])
        kind = row["name_type"].lower()
        if row["name"]:
            # Names in non-Latin scripts come as rows of type "Non-Latin" (the non_latin column flags them).
            e.add_name(row["name"], "original-script" if kind.startswith("non") or row["non_latin"] == "1"
                       else "primary" if kind == "primary name" else "alias")
        if row["non_latin"] and any(ch.isalpha() for ch in row["non_latin"]):
            e.add_name(row["non_latin"], "original-script")
    return [e for e in entries.values() if e.names]


FORMAT = ListFormat(CODE, "UK Sanctions List (names CSV)", parse, "one .csv file")
