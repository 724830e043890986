"""Reading xlsx workbooks as rows of text (openpyxl, read-only)."""

from __future__ import annotations

import warnings
from pathlib import Path

from smartcustoms.screening.parsers import FormatChanged


def sheets(code: str, path: Path) -> dict[str, list[list[str]]]:
    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # any unreadable workbook is a format problem for the operator
        raise FormatChanged(code, path, f"not a readable xlsx workbook: {exc}") from None
    try:
        return {ws.title: [["" if v is None else str(v) for v in row] for row in ws.iter_rows(values_only=True)]
                for ws in wb.worksheets}
    finally:
        wb.close()
