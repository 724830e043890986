"""Screening the parties of an export: the watch lists (screening service) and the METI export prohibition lists.

The watch lists (End User List, MOF, UN, OFAC, EU, UK, BIS) are screened by `smartcustoms.screening.service`. The
METI Russia and third-country export prohibition lists ship with this package (exports/data) and are matched here
by normalised name (legal-form words removed, so a bare "LLC" or "株式会社" never matches on its own).
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy.orm import Session

from smartcustoms.errors import FieldError, ValidationFailed
from smartcustoms.exports import control_data

ROLES = ("exporter", "consignee", "end_user")


def party_key(name: str) -> str:
    """The name as remembered for false-positive decisions: NFKC, case-folded, punctuation dropped, one space."""
    text = unicodedata.normalize("NFKC", name).casefold()
    text = re.sub(r"[^\w\s]", " ", text)
    return " ".join(text.split())[:200]


@dataclass(frozen=True)
class PartyHit:
    role: str
    party_name: str
    party_country: str
    list_code: str
    list_version: str
    entry_id: str
    entry_name: str
    entry_digest: str
    matched_name: str
    score: float
    reason: str
    end_user_list: bool


@dataclass(frozen=True)
class _Listed:
    lst: dict[str, Any]
    entity: dict[str, Any]
    digest: str


_BUILD_LOCK = threading.Lock()


def _prohibition_index() -> tuple[list[_Listed], Any]:
    """The METI export prohibition entities under the screening matcher's name index, built once. Concurrent first
    lodgements (threads of the server) wait for one build: the Japanese reader (fugashi/cutlet) behind the matcher
    is not safe to run from several threads at once."""
    with _BUILD_LOCK:
        return _build_prohibition_index()


@lru_cache(maxsize=1)
def _build_prohibition_index() -> tuple[list[_Listed], Any]:
    from smartcustoms.screening.index import IndexedName, NameIndex

    listed: list[_Listed] = []
    names: list[IndexedName] = []
    for lst in control_data.prohibition_lists():
        for entity in lst["entities"]:
            digest = hashlib.sha256(json.dumps(entity, ensure_ascii=False, sort_keys=True).encode()).hexdigest()
            listed.append(_Listed(lst, entity, digest))
            names.extend(IndexedName(len(listed) - 1, n) for n in entity["names"])
    return listed, NameIndex.build(names)


def prohibition_hits(role: str, name: str, country: str) -> list[PartyHit]:
    """The party against the METI Russia and third-country export prohibition lists (screening matcher, any
    script, word order, transliteration variants; legal-form words alone never match)."""
    from smartcustoms.screening.matcher import THRESHOLD

    listed, index = _prohibition_index()
    best: dict[int, Any] = {}
    for m in index.search(name, limit=0, min_score=THRESHOLD):
        if m.key not in best or m.score > best[m.key].score:
            best[m.key] = m
    out = []
    for key, m in sorted(best.items(), key=lambda kv: -kv[1].score)[:5]:
        item = listed[key]
        entity = item.entity
        out.append(PartyHit(
            role=role, party_name=name, party_country=country, list_code=item.lst["list_code"],
            list_version=item.lst["version"], entry_id=entity["id"],
            entry_name=entity["name_en"] or entity["name_ja"] or m.name, entry_digest=item.digest,
            matched_name=m.name, score=float(m.score), end_user_list=False,
            reason=f"{m.reason}; listed on the {item.lst['name_en']} (exports to this party are prohibited)",
        ))
    return out


def _is_end_user_list(list_code: str) -> bool:
    code = list_code.lower()
    return "meti" in code and ("eul" in code or "end" in code)


def watchlist_hits(
    session: Session, role: str, name: str, country: str, actor: str = "system",
) -> tuple[list[PartyHit], dict[str, str]]:
    """Hits of one party on the loaded watch lists, and the list versions the screening used (the screening
    service records the screening too). A name the matcher cannot use is refused naming the party's field."""
    from smartcustoms.screening import service as screening

    try:
        result = screening.screen_party(session, name, country=country, actor=actor)
    except ValidationFailed as exc:
        raise ValidationFailed([FieldError(f"{role}.{e.field}", e.reason, e.code) for e in exc.errors]) from exc
    hits = []
    for h in result.hits:
        digest = getattr(h, "entry_digest", None) or hashlib.sha256(
            f"{h.list_code}|{h.entry_id}|{h.entry_name}|{h.entity_type}|{','.join(h.countries)}".encode()
        ).hexdigest()
        hits.append(PartyHit(
            role=role, party_name=name, party_country=country, list_code=h.list_code, list_version=h.list_version,
            entry_id=str(h.entry_id), entry_name=h.entry_name, entry_digest=digest, matched_name=h.matched_name,
            score=float(h.score), reason=h.reason, end_user_list=_is_end_user_list(h.list_code),
        ))
    return hits, dict(result.list_versions)
