"""EU consolidated financial sanctions list, one row per name (CSV)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from smartcustoms.screening.entries import ParsedEntry
from smartcustoms.screening.parsers import ListFormat
from smartcustoms.screening.parsers.common import country_code, dates_in, dict_rows

CODE = "EU"
_COLUMNS = ("eu_reference_number", "logical_id", "subject_type", "programmes", "name_type", "whole_name",
            "birthdates", "citizenships")
_TYPES = {"person": "person", "enterprise": "entity", "entity": "entity", "vessel": "vessel"}


def parse(paths: Sequence[Path]) -> list[ParsedEntry]:
    entries: dict[str, ParsedEntry] = {}
    for row in dict_rows(CODE, paths[0], _COLUMNS):
        name = row["whole_name"]
        if not name:
            continue
        key = row["logical_id"] or row["eu_reference_number"]
        e = entries.get(key)
        if e is None:
            e = entries[key] = ParsedEntry(f"EU-{key}", [], _TYPES.get(row["subject_type"].lower(), "entity"),
                                           programmes=row["programmes"])
        e.add_name(name, "primary" if row["name_type"] == "primary" else "alias", row.get("lang") or None)
        for c in row["citizenships"].replace(";", ",").split(","):
            cc = country_code(c)
            if cc and cc not in e.countries:
                e.countries.append(cc)
        for d in dates_in(row["birthdates"]):
            if d not in e.birth_dates:
                e.birth_dates.append(d)
    return list(entries.values())


FORMAT = ListFormat(CODE, "EU consolidated financial sanctions (names CSV)", parse, "one .csv file")
