"""UN Security Council consolidated list, XML (parsed with defusedxml)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from defusedxml import ElementTree

from smartcustoms.screening.entries import ParsedEntry
from smartcustoms.screening.parsers import FormatChanged, ListFormat
from smartcustoms.screening.parsers.common import country_code

CODE = "UN"


def _text(el: Any, tag: str) -> str:
    child = el.find(tag)
    return (child.text or "").strip() if child is not None and child.text else ""


def parse(paths: Sequence[Path]) -> list[ParsedEntry]:
    path = paths[0]
    try:
        root = ElementTree.parse(path).getroot()
    except Exception as exc:  # malformed or unsafe XML is refused as a format problem
        raise FormatChanged(CODE, path, f"not well-formed XML: {exc}") from None
    if root.tag != "CONSOLIDATED_LIST" or root.find("INDIVIDUALS") is None or root.find("ENTITIES") is None:
        raise FormatChanged(CODE, path, f"root element {root.tag!r}, expected CONSOLIDATED_LIST with INDIVIDUALS "
                                        "and ENTITIES")
    entries: list[ParsedEntry] = []
    for kind, group, tag in (("person", "INDIVIDUALS", "INDIVIDUAL"), ("entity", "ENTITIES", "ENTITY")):
        for el in root.find(group).findall(tag):
            data_id = _text(el, "DATAID")
            if not data_id:
                raise FormatChanged(CODE, path, f"{tag} without DATAID")
            parts = [_text(el, t) for t in ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")]
            e = ParsedEntry(f"UN-{data_id}", [], kind, programmes=_text(el, "UN_LIST_TYPE"))
            e.add_name(" ".join(p for p in parts if p), "primary")
            original = _text(el, "NAME_ORIGINAL_SCRIPT")
            if original:
                e.add_name(original, "original-script")
            for alias in el.findall(f"{tag}_ALIAS"):
                name = _text(alias, "ALIAS_NAME")
                if name:
                    e.add_name(name, "alias")
            for nat in el.findall("NATIONALITY/VALUE"):
                cc = country_code(nat.text)
                if cc and cc not in e.countries:
                    e.countries.append(cc)
            for addr in el.findall(f"{tag}_ADDRESS"):
                cc = country_code(_text(addr, "COUNTRY"))
                if cc and cc not in e.countries:
                    e.countries.append(cc)
            for dob in el.findall("INDIVIDUAL_DATE_OF_BIRTH"):
                value = _text(dob, "DATE")[:10] or _text(dob, "YEAR")
                if value:
                    e.birth_dates.append(value)
            if e.names:
                entries.append(e)
    return entries


FORMAT = ListFormat(CODE, "UN Security Council consolidated list", parse, "one .xml file")
