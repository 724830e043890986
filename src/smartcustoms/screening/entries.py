"""The parsed form of a watch-list entry, common to every official format (pure)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

ENTITY_TYPES = ("person", "entity", "vessel", "aircraft")


@dataclass(frozen=True)
class ListName:
    name: str
    kind: str = "primary"        # primary | alias | original-script | reading
    lang: str | None = None


@dataclass
class ParsedEntry:
    """One listed party: stable id within its list, names, type, countries (ISO alpha-2), birth dates."""

    entry_id: str
    names: list[ListName]
    entity_type: str | None = None
    countries: list[str] = field(default_factory=list)
    birth_dates: list[str] = field(default_factory=list)
    programmes: str = ""

    @property
    def primary_name(self) -> str:
        return self.names[0].name if self.names else ""

    def add_name(self, name: str, kind: str = "alias", lang: str | None = None) -> None:
        name = " ".join(name.split())
        if name and all(n.name != name for n in self.names):
            self.names.append(ListName(name, kind if self.names else "primary", lang))

    def names_json(self) -> list[dict[str, str | None]]:
        return [{"name": n.name, "kind": n.kind, "lang": n.lang} for n in self.names]

    def digest(self) -> str:
        """Changes whenever what the entry says changes (names, type, countries, dates, programmes)."""
        key = (len(self.names), self.entity_type, len(self.countries), len(self.birth_dates), self.programmes)
        cached = self.__dict__.get("_digest")
        if cached is not None and cached[0] == key:
            return str(cached[1])
        doc = {"names": sorted(n.name for n in self.names), "type": self.entity_type,
               "countries": sorted(set(self.countries)), "dob": sorted(set(self.birth_dates)),
               "programmes": self.programmes}
        value = hashlib.sha256(json.dumps(doc, ensure_ascii=False, sort_keys=True).encode()).hexdigest()
        self.__dict__["_digest"] = (key, value)
        return value
