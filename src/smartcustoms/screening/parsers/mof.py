"""MOF asset-freeze list (資産凍結等経済制裁対象者), xlsx (44 sheets) or its csv export (sheet name in column 1)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from smartcustoms.screening.entries import ParsedEntry
from smartcustoms.screening.parsers import FormatChanged, ListFormat
from smartcustoms.screening.parsers.common import country_code, dates_in, has_cjk, read_csv, split_aliases
from smartcustoms.screening.parsers.xlsx import sheets

CODE = "MOF-AF"
_NEEDED = ("告示番号", "日本語表記", "英語表記")
_ALIAS_COLS = ("別名", "別称", "旧称", "以前の呼称")


def _by_sheet(path: Path) -> dict[str, list[list[str]]]:
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return sheets(CODE, path)
    out: dict[str, list[list[str]]] = {}
    for row in read_csv(path):
        if row:
            out.setdefault(row[0], []).append(row[1:])
    return out


def parse(paths: Sequence[Path]) -> list[ParsedEntry]:
    path = paths[0]
    book = _by_sheet(path)
    entries: list[ParsedEntry] = []
    sheets_read = 0
    for title, rows in book.items():
        m = re.match(r"\s*(\d+)\.", title)
        if not m or "解除" in title:
            continue  # 【解除】: measures lifted, nothing listed
        sheet_no = m.group(1)
        header_at = next((i for i, r in enumerate(rows[:15]) if all(any(n in c for c in r) for n in _NEEDED)), None)
        if header_at is None:
            raise FormatChanged(CODE, path, f"sheet {title!r} has no header with {', '.join(_NEEDED)}")
        sheets_read += 1
        header = [c.replace("\n", "") for c in rows[header_at]]

        def col(name: str, header: list[str] = header) -> int | None:
            return next((i for i, h in enumerate(header) if name in h), None)

        c_no, c_ja, c_en = col("告示番号"), col("日本語表記"), col("英語表記")
        c_date = col("告示日付")
        c_dob = col("生年月日")
        c_nat = col("国籍")
        alias_cols = [i for i, h in enumerate(header) if any(a in h for a in _ALIAS_COLS)]
        kind = "person" if "個人" in title else ("entity" if ("団体" in title or "銀行" in title) else None)
        for r in rows[header_at + 1:]:
            def cell(i: int | None, r: list[str] = r) -> str:
                return r[i].strip() if i is not None and i < len(r) and r[i] else ""

            ja, en = cell(c_ja), cell(c_en)
            if not (ja or en) or "削除" in cell(c_date):
                continue
            if cell(c_no) == "" and not en:
                continue
            en_lines = [ln.strip() for ln in en.replace("（", "(").replace("）", ")").split("\n") if ln.strip()]
            dob = dates_in(cell(c_dob))
            et = kind or ("person" if dob else None)
            nat = country_code(cell(c_nat).split("\n")[-1]) if c_nat is not None else None
            e = ParsedEntry(f"MOF-{sheet_no}-{cell(c_no) or len(entries)}", [], et, [nat] if nat else [], dob,
                            programmes=title.strip())
            for line in en_lines:
                om = re.match(r"\(?original script:\s*(.+?)\s*\)?$", line)
                if om:
                    e.add_name(om.group(1), "original-script")
                else:
                    e.add_name(re.sub(r"^\*\s*\d*\s*", "", line), "primary" if not e.names else "alias", "en")
            if ja:
                e.add_name(ja.split("\n")[0], "original-script", "ja")
            for i in alias_cols:
                for alias in split_aliases(cell(i)):
                    e.add_name(alias, "alias", "ja" if has_cjk(alias) else None)
            if e.names:
                entries.append(e)
    if sheets_read == 0:
        raise FormatChanged(CODE, path, "no numbered list sheets (1., 2., ...) found")
    return entries


FORMAT = ListFormat(CODE, "MOF asset-freeze list (資産凍結等経済制裁対象者)", parse, "one .xlsx or .csv file")
