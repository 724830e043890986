"""Parse an administrator's CSV file all-or-nothing: every bad row is named, and none is loaded."""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TypeVar

from smartcustoms.errors import FieldError, ValidationFailed

T = TypeVar("T")
MAX_REPORTED = 50


class RowProblems(ValueError):
    """Every problem of one row, each `column: reason`."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class Cells:
    """One row's cells read column by column: a bad cell is noted and reading goes on, so that the administrator
    learns every problem of the row at once (before, only the first); `check()` raises them all."""

    def __init__(self, raw: dict[str, str]) -> None:
        self.raw = raw
        self.problems: list[str] = []

    def text(self, column: str) -> str:
        return (self.raw.get(column) or "").strip()

    def problem(self, column: str, reason: str) -> None:
        self.problems.append(f"{column}: {reason}")

    def date(self, column: str, *, required: bool = True) -> date | None:
        text = self.text(column)
        if not text:
            if required:
                self.problem(column, "required (YYYY-MM-DD)")
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            self.problem(column, f"not a date (YYYY-MM-DD): {text!r}")
            return None

    def decimal(self, column: str) -> Decimal | None:
        """The cell as a finite number; None when empty (or noted as a problem when not a number)."""
        text = self.text(column)
        if not text:
            return None
        try:
            value = Decimal(text)
        except InvalidOperation:
            value = Decimal("NaN")
        if not value.is_finite():
            self.problem(column, f"not a number: {text!r}")
            return None
        return value

    def check(self) -> None:
        if self.problems:
            raise RowProblems(self.problems)


def parse_rows(path: Path, columns: Sequence[str], parse: Callable[[dict[str, str]], T]) -> list[T]:
    """Rows of a UTF-8 CSV with a header, each turned into a T by `parse` (which raises ValueError).

    A missing column, a file that is not UTF-8 or any bad row refuses the whole file with the row
    numbers (as a spreadsheet counts them) and reasons.
    """
    rows: list[T] = []
    errors: list[FieldError] = []
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f)
            missing = [c for c in columns if c not in (reader.fieldnames or [])]
            if missing:
                raise ValidationFailed([FieldError("header", f"missing columns: {', '.join(missing)}")])
            for n, raw in enumerate(reader, start=2):
                try:
                    rows.append(parse({k: (v or "") for k, v in raw.items() if k is not None}))
                except RowProblems as exc:  # every problem of the row, each its own error
                    errors.extend(FieldError(f"row {n}", problem) for problem in exc.problems)
                except (ValueError, InvalidOperation) as exc:
                    errors.append(FieldError(f"row {n}", str(exc) or type(exc).__name__))
    except UnicodeDecodeError as exc:
        raise ValidationFailed([FieldError("file", f"not UTF-8 text (byte {exc.start}); save it as UTF-8")]) from exc
    if errors:
        rows_bad = len({e.field for e in errors})  # a row may have several problems, each its own error
        raise ValidationFailed(errors[:MAX_REPORTED], f"{rows_bad} bad row(s) in {path.name}; nothing loaded")
    return rows
