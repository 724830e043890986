"""US BIS Denied Persons List (tab-separated, quoted)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from smartcustoms.screening.entries import ParsedEntry
from smartcustoms.screening.parsers import ListFormat
from smartcustoms.screening.parsers.common import country_code, dict_rows, stable_id

CODE = "BIS-DPL"
_COLUMNS = ("Name", "Street_Address", "City", "Country", "Effective_Date", "FR_Citation")


def parse(paths: Sequence[Path]) -> list[ParsedEntry]:
    entries: list[ParsedEntry] = []
    for row in dict_rows(CODE, paths[0], _COLUMNS, delimiter="\t"):
        name = " ".join(row["Name"].split())
        if not name:
            continue
        cc = country_code(row["Country"])
        e = ParsedEntry(stable_id("BIS", name, row["Effective_Date"]), [], None, [cc] if cc else [],
                        programmes=row.get("Action", ""))
        e.add_name(name, "primary")
        entries.append(e)
    return entries


FORMAT = ListFormat(CODE, "US BIS Denied Persons List", parse, "one .tsv/.txt file")
