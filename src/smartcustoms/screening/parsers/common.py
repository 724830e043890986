"""Helpers shared by the parsers: CSV reading with signature checks, country names to ISO codes, alias splitting."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from smartcustoms.reference.codes import countries
from smartcustoms.screening.parsers import FormatChanged

_EXTRA_COUNTRIES = {
    "russia": "RU", "russian federation": "RU", "iran": "IR", "iran (islamic republic of)": "IR",
    "north korea": "KP", "democratic people's republic of korea": "KP", "korea, north": "KP", "dprk": "KP",
    "south korea": "KR", "republic of korea": "KR", "korea, south": "KR", "syria": "SY",
    "syrian arab republic": "SY", "united kingdom": "GB", "uk": "GB", "united states": "US", "usa": "US",
    "venezuela": "VE", "bolivia": "BO", "tanzania": "TZ", "vietnam": "VN", "viet nam": "VN", "laos": "LA",
    "moldova": "MD", "taiwan": "TW", "palestine": "PS", "west bank": "PS", "gaza": "PS", "burma": "MM",
    "congo, democratic republic of the": "CD", "democratic republic of the congo": "CD", "congo": "CG",
    "ivory coast": "CI", "cote d'ivoire": "CI", "turkey": "TR", "turkiye": "TR", "czech republic": "CZ",
    "macedonia": "MK", "hong kong": "HK", "macau": "MO", "china": "CN", "people's republic of china": "CN",
    "islamic republic of afghanistan": "AF", "belarus": "BY", "uae": "AE", "kosovo": "XK", "crimea": "UA",
}


@lru_cache(maxsize=1)
def _country_names() -> dict[str, str]:
    names = {v.lower(): k for k, v in countries().items()}
    names.update(_EXTRA_COUNTRIES)
    return names


def country_code(text: str | None) -> str | None:
    """ISO alpha-2 for a country name or code as lists write them, or None."""
    if not text:
        return None
    t = " ".join(text.replace("\n", " ").split()).strip(" .,;").lower()
    if not t or t == "-0-":
        return None
    if len(t) == 2 and t.upper() in countries():
        return t.upper()
    names = _country_names()
    if t in names:
        return names[t]
    for part in re.split(r"[,;/()]", t):
        part = part.strip()
        if part in names:
            return names[part]
    return None


def read_text(path: Path) -> str:
    data = path.read_bytes()
    for enc in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def read_csv(path: Path, delimiter: str = ",") -> list[list[str]]:
    return list(csv.reader(io.StringIO(read_text(path)), delimiter=delimiter))


def dict_rows(code: str, path: Path, required: Sequence[str], delimiter: str = ",") -> list[dict[str, str]]:
    """Rows by header; the header must contain every required column (the format signature)."""
    reader = csv.DictReader(io.StringIO(read_text(path)), delimiter=delimiter)
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in required if c not in header]
    if missing:
        found = ", ".join(header[:12]) or "none"
        raise FormatChanged(code, path, f"columns {', '.join(missing)} missing; found {found}")
    reader.fieldnames = header
    return [{k: (v or "").strip() for k, v in row.items() if k is not None} for row in reader]


def stable_id(prefix: str, *parts: str) -> str:
    key = "|".join(" ".join(p.split()).casefold() for p in parts)
    return f"{prefix}-{hashlib.sha256(key.encode()).hexdigest()[:12]}"


_CJK = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text))


def split_aliases(text: str | None, commas: bool = True) -> list[str]:
    """Alias cells: bullets, (a)/(b) markers, 'a.k.a.', semicolons, Japanese list commas, line breaks."""
    if not text:
        return []
    t = text.replace("（", "(").replace("）", ")")
    t = re.sub(r"(?m)^\s*[・●•]", "\n", t)
    t = re.sub(r"\((?:[a-z]{1,2}|\d{1,2})\)", "\n", t)
    t = re.sub(r"(?i)\b(?:f\.?k\.?a|a\.?k\.?a|n\.?k\.?a)\.?:?", "\n", t)
    t = re.sub(r"(?i)(別称|旧称|別名)[、,:：]?", "\n", t)
    seps = r"[\n;；、]" if not commas else r"[\n;；、,，]"
    out = []
    for part in re.split(seps, t):
        p = part.strip(" \t()[]『』「」.。:：*\"'").strip()
        p = re.sub(r"^(?:及び|and)\s*", "", p)
        if len(p) >= 2 and p not in ("不明", "unknown", "-0-") and not re.fullmatch(r"[\d\W]+", p):
            out.append(" ".join(p.split()))
    return out


_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}


def dates_in(text: str | None) -> list[str]:
    """ISO dates (or years) found in free text: 1960-01-31, 31 Jan 1960, 1960年1月31日, 1960."""
    if not text:
        return []
    found: list[str] = []
    for y, m, d in re.findall(r"(\d{4})年(\d{1,2})月(\d{1,2})日", text):
        found.append(f"{int(y):04d}-{int(m):02d}-{int(d):02d}")
    for y, m, d in re.findall(r"\b(\d{4})-(\d{2})-(\d{2})\b", text):
        found.append(f"{y}-{m}-{d}")
    for d, mon, y in re.findall(r"\b(\d{1,2}) ([A-Za-z]{3})[a-z]* (\d{4})\b", text):
        if mon.lower() in _MONTHS:
            found.append(f"{y}-{_MONTHS[mon.lower()]:02d}-{int(d):02d}")
    if not found:
        found = re.findall(r"\b(19\d{2}|20\d{2})\b", text)[:4]
    return sorted(set(found))
