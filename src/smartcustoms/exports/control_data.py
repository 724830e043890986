"""Export-control data: build it from the official files, and read what the package ships.

`build()` parses the Export Trade Control Order (e-Gov law XML: Appended Table 1 items 1-16 and the region tables
3, 3-2 and 4) and the METI Russia / third-country export prohibition lists (YAML) into `exports/data/*.json`
(`smartcustoms exports build-control-data`). The keyword / HS correlation of list items 1-15 is our own reasoned
table (`exports/data/list-item-correlation.csv`, every row marked unverified) and is read as it is.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]
from defusedxml import ElementTree

DATA = "smartcustoms.exports.data"
ORDER_JSON = "export-trade-control-order.json"
ENTITIES_JSON = "export-prohibition-entities.json"
CORRELATION_CSV = "list-item-correlation.csv"
DESTINATIONS_CSV = "destination-rules.csv"

KANJI_DIGITS = {"〇": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}

# Japanese country names as the Order writes them (Appended Tables 3, 3-2 and 4) -> ISO 3166-1 alpha-2.
JA_COUNTRIES = {
    "アルゼンチン": "AR", "オーストラリア": "AU", "オーストリア": "AT", "ベルギー": "BE", "ブルガリア": "BG",
    "カナダ": "CA", "チェコ": "CZ", "デンマーク": "DK", "フィンランド": "FI", "フランス": "FR", "ドイツ": "DE",
    "ギリシャ": "GR", "ハンガリー": "HU", "アイルランド": "IE", "イタリア": "IT", "大韓民国": "KR",
    "ルクセンブルク": "LU", "オランダ": "NL", "ニュージーランド": "NZ", "ノルウェー": "NO", "ポーランド": "PL",
    "ポルトガル": "PT", "スペイン": "ES", "スウェーデン": "SE", "スイス": "CH", "英国": "GB",
    "アメリカ合衆国": "US", "アフガニスタン": "AF", "中央アフリカ": "CF", "コンゴ民主共和国": "CD", "イラク": "IQ",
    "レバノン": "LB", "リビア": "LY", "北朝鮮": "KP", "ソマリア": "SO", "南スーダン": "SS", "スーダン": "SD",
    "イラン": "IR",
}


class FormatChanged(ValueError):
    """The official file no longer looks as the parser expects: nothing is written."""


def kanji_number(text: str) -> int:
    """'一六' -> 16, '五' -> 5 (the Order numbers its items digit by digit)."""
    n = 0
    for ch in text:
        if ch not in KANJI_DIGITS:
            raise FormatChanged(f"item number {text!r} is not written in kanji digits")
        n = n * 10 + KANJI_DIGITS[ch]
    return n


def _text(el: Any) -> str:
    return "".join(el.itertext()).strip()


def _appended_table(root: Any, title: str) -> Any:
    for table in root.iter("AppdxTable"):
        t = table.find("AppdxTableTitle")
        if t is not None and _text(t) == title:
            return table
    raise FormatChanged(f"appended table {title} not found in the Order")


def _countries(root: Any, title: str) -> list[str]:
    text = "".join(_text(s) for s in _appended_table(root, title).iter("Sentence"))
    names = [n.strip() for n in text.split("、") if n.strip()]
    unknown = [n for n in names if n not in JA_COUNTRIES]
    if unknown:
        raise FormatChanged(f"{title}: unknown region names {unknown}")
    return [JA_COUNTRIES[n] for n in names]


def catch_all_chapters(text: str) -> list[int]:
    """HS chapters named in item 16 (2): '第二五類から第四〇類まで、...、第六三類、...' -> [25..40, ..., 63, ...]."""
    chapters: list[int] = []
    for m in re.finditer(r"第([〇一二三四五六七八九]+)類(?:から第([〇一二三四五六七八九]+)類まで)?", text):
        first = kanji_number(m.group(1))
        last = kanji_number(m.group(2)) if m.group(2) else first
        chapters.extend(range(first, last + 1))
    return chapters


def parse_order(path: Path) -> dict[str, Any]:
    """Appended Table 1 (items with their sub-items and regions) and the region tables, from the e-Gov XML."""
    root = ElementTree.parse(str(path)).getroot()
    law_num = root.findtext("LawNum") or ""
    title = root.findtext(".//LawTitle") or ""
    table1 = _appended_table(root, "別表第一")
    items: list[dict[str, Any]] = []
    for row in table1.iter("TableRow"):
        cols = row.findall("TableColumn")
        if len(cols) != 3:
            raise FormatChanged("Appended Table 1 rows no longer have three columns (item, goods, region)")
        label = _text(cols[0])
        if not label or label == "　" or _text(cols[1]) == "貨物":
            continue
        number = "-".join(str(kanji_number(part)) for part in label.split("の"))
        sentences = [_text(s) for s in cols[1].iter("Sentence")]
        items.append({"item": number, "goods": sentences, "region": _text(cols[2])})
    numbers = sorted({int(i["item"].split("-")[0]) for i in items})
    if numbers != list(range(1, 17)):
        raise FormatChanged(f"Appended Table 1 has items {numbers}, expected 1 to 16")
    item16 = next(i for i in items if i["item"] == "16")
    clause2 = next((s for s in item16["goods"] if s.startswith("（二）")), "")
    chapters = catch_all_chapters(clause2)
    if not chapters:
        raise FormatChanged("item 16 (2) names no HS chapters")
    return {
        "source": f"{title} ({law_num}), e-Gov law XML {path.name}",
        "appended_table_1": items,
        "catch_all_chapters": chapters,
        "white_countries": _countries(root, "別表第三"),
        "un_arms_embargo_countries": _countries(root, "別表第三の二"),
        "table_4_countries": _countries(root, "別表第四"),
    }


def parse_prohibition_yaml(path: Path) -> dict[str, Any]:
    """One METI export prohibition list (Russia or third countries) as compact entities."""
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    try:
        meta, entities = doc["sanction_list"], doc["entities"]
    except (TypeError, KeyError) as exc:
        raise FormatChanged(f"{path.name}: no sanction_list/entities") from exc
    out = []
    for e in entities:
        name = e.get("name") or {}
        aliases = e.get("aliases") or {}
        names = [n for n in (name.get("en"), name.get("ja")) if n]
        for values in aliases.values() if isinstance(aliases, dict) else []:
            names.extend(v for v in values or [] if isinstance(v, str))
        if not names:
            raise FormatChanged(f"{path.name}: entity {e.get('id')} has no name")
        out.append({"id": str(e["id"]), "entry_number": e.get("entry_number"), "name_en": name.get("en"),
                    "name_ja": name.get("ja"), "names": names, "country": e.get("country_code"),
                    "address": e.get("address")})
    return {"list_code": meta["id"], "name_en": meta["name"]["en"], "name_ja": meta["name"]["ja"],
            "source_url": meta.get("source_url"), "file": path.name,
            "version": hashlib.sha256(path.read_bytes()).hexdigest()[:12], "entities": out}


def build(order_xml: Path, prohibition_yamls: list[Path], out_dir: Path) -> dict[str, int]:
    """Write the package's JSON data from the official files; returns counts."""
    order = parse_order(order_xml)
    lists = [parse_prohibition_yaml(p) for p in prohibition_yamls]
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / ORDER_JSON).write_text(json.dumps(order, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    (out_dir / ENTITIES_JSON).write_text(json.dumps(lists, ensure_ascii=False) + "\n", encoding="utf-8")
    return {"items": len(order["appended_table_1"]), "entities": sum(len(x["entities"]) for x in lists)}


# --- reading the shipped data --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListItemRule:
    """One row of the reasoned keyword / HS correlation for Appended Table 1 items 1-15."""

    rule_id: str
    item: str
    sub_item: str
    title_en: str
    keywords: tuple[str, ...]
    hs_prefixes: tuple[str, ...]
    hs_sufficient: bool
    verified: bool
    note: str


@dataclass(frozen=True)
class DestinationRule:
    country: str
    rule_id: str
    effect: str  # review | prohibited
    reason_en: str
    source: str
    verified: bool


def fold(text: str) -> str:
    """Compare form of free text: NFKC (full-width to half-width), case-folded, spaces collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _read(name: str) -> str:
    return resources.files(DATA).joinpath(name).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def order() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(_read(ORDER_JSON))
    return data


@lru_cache(maxsize=1)
def prohibition_lists() -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads(_read(ENTITIES_JSON))
    return data


@lru_cache(maxsize=1)
def list_item_rules() -> tuple[ListItemRule, ...]:
    rows = csv.DictReader(_read(CORRELATION_CSV).splitlines())
    return tuple(
        ListItemRule(
            rule_id=r["rule_id"], item=r["item"], sub_item=r["sub_item"], title_en=r["title_en"],
            keywords=tuple(fold(k) for k in r["keywords"].split("|") if k.strip()),
            hs_prefixes=tuple(h for h in r["hs_prefixes"].split("|") if h.strip()),
            hs_sufficient=r["hs_sufficient"] == "true", verified=r["verified"] == "true", note=r["note"],
        )
        for r in rows
    )


@lru_cache(maxsize=1)
def destination_rules() -> tuple[DestinationRule, ...]:
    rows = csv.DictReader(_read(DESTINATIONS_CSV).splitlines())
    return tuple(DestinationRule(r["country"], r["rule_id"], r["effect"], r["reason_en"], r["source"],
                                 r["verified"] == "true") for r in rows)


@lru_cache(maxsize=1)
def rule_versions() -> dict[str, str]:
    """Versions of the goods and destination rule data an export was checked against (recorded on each export):
    the Order by its date, our own tables by the first 12 hex digits of their SHA-256."""
    def sha12(name: str) -> str:
        return hashlib.sha256(_read(name).encode("utf-8")).hexdigest()[:12]

    from smartcustoms.exports.goods import DESTINATION_LIST, ORDER_LIST

    return {ORDER_LIST: tables().order_version, "jp-export-list-item-correlation": sha12(CORRELATION_CSV),
            DESTINATION_LIST: sha12(DESTINATIONS_CSV)}


def tables() -> Any:
    """The goods rules' tables as the pure checks take them (exports.goods.ControlTables)."""
    from smartcustoms.exports.goods import ControlTables

    o = order()
    version = re.search(r"(\d{4}-\d{2}-\d{2})", o["source"])
    return ControlTables(
        order_version=version.group(1) if version else o["source"][:40], rules=list_item_rules(),
        catch_all_chapters=frozenset(o["catch_all_chapters"]), white_countries=frozenset(o["white_countries"]),
        arms_embargo_countries=frozenset(o["un_arms_embargo_countries"]), destinations=destination_rules(),
    )
