"""Parsers for the official watch-list file formats; each checks its format signature before reading."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from smartcustoms.errors import FieldError, SmartCustomsError
from smartcustoms.screening.entries import ParsedEntry


class FormatChanged(SmartCustomsError):
    """The file does not have the layout this list's parser knows: refused, nothing loaded."""

    def __init__(self, list_code: str, path: Path | str, detail: str) -> None:
        msg = (f"{list_code}: {Path(path).name} does not have the expected format ({detail}); "
               "the load was refused and the previous version stays active")
        super().__init__(msg, [FieldError("file", msg, "format_changed")], 422, "format_changed")


@dataclass(frozen=True)
class ListFormat:
    code: str
    title: str
    parse: Callable[[Sequence[Path]], list[ParsedEntry]]
    files: str   # what the load command expects


def formats() -> dict[str, ListFormat]:
    from smartcustoms.screening.parsers import bis, eu, meti, mof, ofac, uk, un

    return {f.code: f for f in (meti.FORMAT, mof.FORMAT, un.FORMAT, ofac.FORMAT, eu.FORMAT, uk.FORMAT, bis.FORMAT)}


def parse_files(list_code: str, paths: Sequence[Path]) -> list[ParsedEntry]:
    fmt = formats().get(list_code.upper())
    if fmt is None:
        raise SmartCustomsError(f"unknown list {list_code!r}; one of {', '.join(formats())}",
                                [FieldError("list", f"one of {', '.join(formats())}", "invalid_choice")], 422,
                                "validation_failed")
    for p in paths:
        if not Path(p).is_file():
            raise SmartCustomsError(f"{p}: no such file", [FieldError("file", f"{p}: no such file", "not_found")],
                                    422, "validation_failed")
    entries = fmt.parse([Path(p) for p in paths])
    if not entries:
        raise FormatChanged(fmt.code, paths[0], "no entries found")
    ids = [e.entry_id for e in entries]
    if len(set(ids)) != len(ids):
        merged: dict[str, ParsedEntry] = {}
        for e in entries:
            if e.entry_id in merged:
                for n in e.names:
                    merged[e.entry_id].add_name(n.name, n.kind, n.lang)
            else:
                merged[e.entry_id] = e
        entries = list(merged.values())
    return entries
