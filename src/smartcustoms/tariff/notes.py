"""The assessment's notes in the officer's language.

A line's notes are stored as the calculation wrote them, in English, with their figures (`calc.assess`, and the
e-commerce intake's `ecommerce.assess`, which writes the same notes). A Japanese page says each known note in
Japanese from the figures it carries; a note in a shape this module does not know (one stored by another version)
is shown as stored. Descriptions of goods and the sources of the rules are data (English in the shipped tables)
and are shown as they are.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal

_Say = Callable[[re.Match[str]], str]

_SOURCE_JA = {"tariff": "実行税率", "simplified": "簡易税率", "claimed": "申告税率"}
_CT_JA = {"standard": "標準税率", "reduced": "軽減税率"}


def _tag(text: str | None) -> str:
    """`(source)` or `(source; unverified)` in Japanese brackets; empty when the note had none."""
    if not text:
        return ""
    source, unverified = (text[:-len("; unverified")], True) if text.endswith("; unverified") else (text, False)
    return f"（根拠：{source}{'、未検証' if unverified else ''}）"


def _percent(rate: str) -> str:
    """A consumption-tax rate written as a fraction (0.078) as a percentage (7.8%)."""
    return f"{(Decimal(rate) * 100).normalize():f}%"


_TAG = r"(?: \((?P<tag>(?:[^()]|\([^()]*\))*)\))?"  # a source may hold brackets of its own, one level deep
_DESC = r"(?P<desc>.+) \(HS (?P<hs>[0-9]+)\)"

_JA: list[tuple[re.Pattern[str], _Say]] = [
    (re.compile(rf"personal-use valuation: (?P<value>¥[0-9,]+) × (?P<ratio>[0-9.]+) = (?P<dutiable>¥[0-9,]+){_TAG}"),
     lambda m: f"個人使用貨物の課税価格の特例：{m['value']} × {m['ratio']} = {m['dutiable']}{_tag(m['tag'])}"),
    (re.compile(rf"personal-use ratio not in force: full value{_TAG}"),
     lambda m: f"個人使用貨物の課税価格の特例の適用なし（適用期間外）：価格の全額を課税価格とする{_tag(m['tag'])}"),
    (re.compile(rf"importer opted for the general tariff: no simplified rates{_TAG}"),
     lambda m: f"簡易税率の不適用の申出あり：一般の税率を適用{_tag(m['tag'])}"),
    (re.compile(rf"no simplified rate: {_DESC} is excluded{_TAG}"),
     lambda m: f"簡易税率の対象外：{m['desc']}（HS {m['hs']}）{_tag(m['tag'])}"),
    (re.compile(rf"simplified rate (?P<rate>.+?) for (?P<desc>.+?){_TAG}"),
     lambda m: f"簡易税率 {m['rate']} を適用：{m['desc']}{_tag(m['tag'])}"),
    (re.compile(r"no tariff schedule rate for this code on this date: the claimed rate is used"),
     lambda m: "申告日に有効な実行税率がないため、申告税率を適用"),
    (re.compile(rf"not exempt: {_DESC} is excluded from the low-value exemption{_TAG}"),
     lambda m: f"少額免税の対象外：{m['desc']}（HS {m['hs']}）{_tag(m['tag'])}"),
    (re.compile(rf"low-value exemption: declaration total (?P<total>¥[0-9,]+) ≤ (?P<limit>¥[0-9,]+), "
                rf"no duty or consumption tax{_TAG}"),
     lambda m: f"少額免税：課税価格の合計 {m['total']} ≤ {m['limit']}、関税及び消費税等を免除{_tag(m['tag'])}"),
    (re.compile(r"rate mismatch: claimed (?P<claimed>.+), (?P<source>tariff|simplified|claimed) rate (?P<rate>.+)"),
     lambda m: f"申告税率 {m['claimed']} と{_SOURCE_JA[m['source']]} {m['rate']} が不一致"),
    (re.compile(rf"no (?P<kind>standard|reduced) consumption-tax rate on (?P<on>[0-9-]+): "
                rf"the (?P<used>standard|reduced) rate (?P<rate>[0-9.]+) applies{_TAG}"),
     lambda m: f"{m['on']} に消費税（国税）の{_CT_JA[m['kind']]}はないため、{_CT_JA[m['used']]} "
               f"{_percent(m['rate'])} を適用{_tag(m['tag'])}"),
]


def say(note: str, lang: str) -> str:
    """The note in `lang` ("ja" or "en"); a note of an unknown shape, or English, as stored."""
    if lang != "ja":
        return note
    for pattern, render in _JA:
        if m := pattern.fullmatch(note):
            return render(m)
    return note
