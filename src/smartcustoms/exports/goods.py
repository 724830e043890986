"""Pure goods and destination checks of an export (no database): list items 1-15, catch-all item 16, destinations.

Decisions (docs/exports.md):
- Items 1-15: a line hits when its description holds a keyword of the correlation table, or its HS code starts with
  a prefix marked `hs_sufficient` (codes that name the controlled goods themselves, e.g. chapter 93 arms).
- Item 16 catch-all: a line in the catch-all HS chapters to a destination outside Appended Table 3 hits only when
  there is a reason to believe in a WMD or conventional-weapons end use that customs can see at the border: a party
  flagged on the METI End User List, or a destination on Appended Table 3-2 (UN arms embargo). Otherwise the
  exporter's own catch-all duty is noted but no hit is raised (flagging every chapter 84/85 export would drown the
  officers and teach them to click through).
- Destinations: rows of destination-rules.csv (North Korea prohibited; Russia and Belarus to review), met by the
  country of destination or by the consignee's or end user's country.
A line carrying a licence reference still shows the hit; the reason says the licence is to be checked.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from smartcustoms.exports.control_data import DestinationRule, ListItemRule, fold

LICENCE_QUESTION = "Licence under FEFTA art. 48 required? Give the METI licence number."
PROHIBITED_NOTE = "Exports to this destination are prohibited (FEFTA art. 48): no licence releases them."
ORDER_LIST = "jp-export-trade-control-order"
DESTINATION_LIST = "jp-export-destination-rules"


@dataclass(frozen=True)
class GoodsLine:
    line_no: int
    hs_code: str
    description: str
    licences: tuple[str, ...] = ()


@dataclass(frozen=True)
class GoodsFinding:
    """One goods or destination hit, shaped like a screening hit so officers resolve both the same way."""

    kind: str  # goods | destination
    list_code: str
    list_version: str
    entry_id: str
    entry_name: str
    matched: str
    reason: str
    line_no: int | None = None
    effect: str = "review"  # review (lane 2) | prohibited (lane 3)
    licences: tuple[str, ...] = ()
    verified: bool = False
    licence_question: str = LICENCE_QUESTION

    @property
    def digest(self) -> str:
        return hashlib.sha256(f"{self.list_code}|{self.list_version}|{self.entry_id}|{self.entry_name}".encode())\
            .hexdigest()


@dataclass(frozen=True)
class ControlTables:
    order_version: str
    rules: Sequence[ListItemRule]
    catch_all_chapters: frozenset[int]
    white_countries: frozenset[str]
    arms_embargo_countries: frozenset[str]
    destinations: Sequence[DestinationRule] = field(default_factory=tuple)


_KATAKANA = "\u30a1-\u30fa\u30fc"  # katakana letters and the long-vowel mark
_SHORT_KATAKANA = re.compile(f"[{_KATAKANA}]{{1,4}}")


def _keyword_hit(keyword: str, text: str) -> bool:
    """ASCII keywords match whole words (so 'uav' is not found in 'suave'). Short katakana keywords (up to four
    letters) match whole katakana words: トリウム (thorium) is not found in ナトリウム (sodium), リシン (ricin)
    not in グリシン (glycine), ウラン not in ウランバートル. Other Japanese keywords match anywhere (no spaces in
    Japanese)."""
    if keyword.isascii():
        return re.search(rf"(?<![a-z0-9]){re.escape(keyword)}(?![a-z0-9])", text) is not None
    if _SHORT_KATAKANA.fullmatch(keyword):
        return re.search(f"(?<![{_KATAKANA}]){re.escape(keyword)}(?![{_KATAKANA}])", text) is not None
    return keyword in text


def _licence_note(licences: tuple[str, ...]) -> str:
    if not licences:
        return " No licence reference given."
    return f" Licence reference(s) {', '.join(licences)} given: the licence is to be checked by the officer."


def list_item_hits(line: GoodsLine, tables: ControlTables) -> list[GoodsFinding]:
    """Appended Table 1 items 1-15 for one line."""
    text = fold(line.description)
    out = []
    for rule in tables.rules:
        keyword = next((k for k in rule.keywords if _keyword_hit(k, text)), None)
        prefix = next((p for p in rule.hs_prefixes if line.hs_code.startswith(p)), None) if rule.hs_sufficient \
            else None
        if keyword is None and prefix is None:
            continue
        why = f"keyword '{keyword}' in the description" if keyword else f"HS {line.hs_code} (prefix {prefix})"
        mapping = "" if rule.verified else " (keyword/HS correlation is our own, unverified)"
        out.append(GoodsFinding(
            kind="goods", list_code=ORDER_LIST, list_version=tables.order_version,
            entry_id=f"item {rule.item} {rule.sub_item}".strip(), entry_name=rule.title_en,
            matched=keyword or prefix or "", line_no=line.line_no, licences=line.licences, verified=rule.verified,
            reason=(f"Line {line.line_no}: possibly Export Trade Control Order Appended Table 1 item {rule.item} "
                    f"{rule.sub_item} ({rule.title_en}): {why}{mapping}.{_licence_note(line.licences)}"),
        ))
    return out


def catch_all_hit(
    line: GoodsLine, destination: str, tables: ControlTables, end_user_flagged: bool
) -> GoodsFinding | None:
    """Item 16 (2) catch-all: HS chapter, destination outside Table 3, and a visible reason (see module doc)."""
    if destination in tables.white_countries:
        return None
    try:
        chapter = int(line.hs_code[:2])
    except ValueError:
        return None
    if chapter not in tables.catch_all_chapters:
        return None
    grounds = []
    if end_user_flagged:
        grounds.append("a party is flagged on the METI End User List")
    if destination in tables.arms_embargo_countries:
        grounds.append(f"{destination} is on Appended Table 3-2 (UN arms embargo)")
    if not grounds:
        return None
    return GoodsFinding(
        kind="goods", list_code=ORDER_LIST, list_version=tables.order_version, entry_id="item 16",
        entry_name="Catch-all control (HS chapters 25-40, 54-59, 63, 68-93, 95)", matched=f"HS chapter {chapter:02d}",
        line_no=line.line_no, licences=line.licences, verified=True,
        reason=(f"Line {line.line_no}: HS chapter {chapter:02d} falls under catch-all item 16 and "
                f"{' and '.join(grounds)}.{_licence_note(line.licences)}"),
    )


_ROLE_WORDS = {"destination": "destination", "consignee": "consignee", "end_user": "end user"}


def destination_hits(
    destination: str, tables: ControlTables, licences: tuple[str, ...],
    party_countries: Sequence[tuple[str, str]] = (),
) -> list[GoodsFinding]:
    """Destination rules met by the country of destination, or by the consignee's or end user's country (goods
    declared for a third country but consigned to an end user in North Korea or Russia meet the same rule); one
    finding per rule."""
    places = [("destination", destination), *party_countries]
    out = []
    for rule in tables.destinations:
        roles = list(dict.fromkeys(role for role, country in places if country == rule.country))
        if not roles:
            continue
        if roles[0] == "destination":
            where = f"Destination {destination}"
        else:
            where = f"{' and '.join(_ROLE_WORDS.get(r, r) for r in roles).capitalize()} in {rule.country} " \
                    f"(declared destination {destination})"
        out.append(GoodsFinding(
            kind="destination", list_code=DESTINATION_LIST, list_version=rule.source[:120], entry_id=rule.rule_id,
            entry_name=f"Destination {rule.country}", matched=rule.country, effect=rule.effect, licences=licences,
            verified=rule.verified,
            licence_question=PROHIBITED_NOTE if rule.effect == "prohibited" else LICENCE_QUESTION,
            reason=f"{where}: {rule.reason_en}{'' if rule.verified else ' (unverified)'}.{_licence_note(licences)}",
        ))
    return out


def check(
    lines: Sequence[GoodsLine], destination: str, tables: ControlTables, end_user_flagged: bool = False,
    party_countries: Sequence[tuple[str, str]] = (),
) -> list[GoodsFinding]:
    """Every goods and destination finding of one export, in line order, destination last; `party_countries` are
    (role, country) of the consignee and end user, held against the destination rules too."""
    out: list[GoodsFinding] = []
    for line in lines:
        listed = list_item_hits(line, tables)
        out.extend(listed)
        # Item 16 (2) covers goods "other than those of items 1 to 15".
        hit = None if listed else catch_all_hit(line, destination, tables, end_user_flagged)
        if hit:
            out.append(hit)
    all_licences = tuple(dict.fromkeys(lic for line in lines for lic in line.licences))
    out.extend(destination_hits(destination, tables, all_licences, party_countries))
    return out
