"""Screening service: active list versions, the cached index, screen_party (the caller owns the transaction)."""

from __future__ import annotations

import threading
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcustoms.errors import FieldError, ValidationFailed
from smartcustoms.reference.codes import countries as iso_countries
from smartcustoms.screening.entries import ENTITY_TYPES
from smartcustoms.screening.index import IndexedName, NameIndex
from smartcustoms.screening.matcher import THRESHOLD
from smartcustoms.screening.models import ScreeningRecord, WatchlistEntry, WatchlistVersion
from smartcustoms.screening.normalize import NormalName, normalise

MAX_NAME_CHARS = 1000


@dataclass(frozen=True)
class Hit:
    list_code: str
    list_version: str
    entry_id: str
    entry_name: str
    matched_name: str
    score: float
    reason: str
    entity_type: str | None
    countries: tuple[str, ...]
    entry_digest: str = ""       # changes when the list entry changes (names, type, countries, dates, programmes)
    birth_dates: tuple[str, ...] = ()
    programmes: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"list_code": self.list_code, "list_version": self.list_version, "entry_id": self.entry_id,
                "entry_name": self.entry_name, "matched_name": self.matched_name, "score": self.score,
                "reason": self.reason, "entity_type": self.entity_type, "countries": list(self.countries),
                "entry_digest": self.entry_digest, "birth_dates": list(self.birth_dates),
                "programmes": self.programmes}


@dataclass(frozen=True)
class ScreeningResult:
    query: str
    hits: list[Hit]
    list_versions: dict[str, str]
    threshold: float = THRESHOLD
    record_id: int | None = None


@dataclass(frozen=True)
class _Entry:
    list_code: str
    list_version: str
    entry_id: str
    primary_name: str
    entity_type: str | None
    countries: tuple[str, ...]
    birth_dates: tuple[str, ...]
    programmes: str
    digest: str


@dataclass
class LoadedIndex:
    """The active entries of every list, and the name index over all their names."""

    key: tuple[tuple[int, str], ...]
    versions: dict[str, str]
    entries: list[_Entry]
    index: NameIndex


_cache: dict[str, LoadedIndex] = {}
_lock = threading.Lock()


def active_versions(session: Session) -> dict[str, str]:
    """list_code -> version label in force."""
    rows = session.execute(select(WatchlistVersion.list_code, WatchlistVersion.version_label)
                           .where(WatchlistVersion.active.is_(True)).order_by(WatchlistVersion.list_code))
    return {code: label for code, label in rows}


def build_index(entries: list[_Entry], names: list[list[str]], versions: dict[str, str],
                key: tuple[tuple[int, str], ...] = ()) -> LoadedIndex:
    items = [IndexedName(i, n) for i, ns in enumerate(names) for n in ns]
    return LoadedIndex(key, versions, entries, NameIndex.build(items))


def loaded_index(session: Session) -> LoadedIndex:
    """The index for the active versions, built once per process and rebuilt when active versions change."""
    rows = session.execute(select(WatchlistVersion.id, WatchlistVersion.list_code, WatchlistVersion.version_label,
                                  WatchlistVersion.sha256)
                           .where(WatchlistVersion.active.is_(True)).order_by(WatchlistVersion.id)).all()
    # Ids alone could be reused after a rolled-back load; label and content digest make the key exact.
    key = tuple((r[0], f"{r[2]}:{r[3]}") for r in rows)
    cache_key = str(session.get_bind().engine.url)
    current = _cache.get(cache_key)
    if current is not None and current.key == key:
        return current
    with _lock:
        current = _cache.get(cache_key)
        if current is not None and current.key == key:
            return current
        labels = {r[0]: (r[1], r[2]) for r in rows}
        entries: list[_Entry] = []
        names: list[list[str]] = []
        if key:
            ids = [r[0] for r in rows]
            stmt = select(WatchlistEntry).where(WatchlistEntry.version_id.in_(ids)).order_by(WatchlistEntry.id)
            for e in session.scalars(stmt).yield_per(5000):
                code, label = labels[e.version_id]
                entries.append(_Entry(code, label, e.entry_id, e.primary_name, e.entity_type, tuple(e.countries),
                                      tuple(e.birth_dates), e.programmes, e.digest))
                names.append([n["name"] for n in e.names])
        built = build_index(entries, names, {r[1]: r[2] for r in rows}, key)
        _cache[cache_key] = built
        return built


def clear_cache() -> None:
    _cache.clear()


def validate_name(name: Any, field_name: str = "name") -> NormalName:
    """The normalised name, or ValidationFailed naming the field and the reason."""
    if not isinstance(name, str):
        raise ValidationFailed([FieldError(field_name, "a name (text) is required", "required")])
    text = name.strip()
    if not text:
        raise ValidationFailed([FieldError(field_name, "empty: a name is required", "empty")])
    if len(text) > MAX_NAME_CHARS:
        raise ValidationFailed([FieldError(field_name, f"longer than {MAX_NAME_CHARS} characters", "too_long")])
    if not any(unicodedata.category(c)[0] in "LN" for c in text):
        raise ValidationFailed([FieldError(field_name, "no letters: punctuation only", "no_letters")])
    n = normalise(text)
    if not n.tokens:
        raise ValidationFailed([FieldError(
            field_name, "only legal-form words or honorifics (e.g. Corp, Ltd, 株式会社, Mr): nothing to match on",
            "no_content")])
    return n


def validate_filters(country: str | None, entity_type: str | None, limit: int) -> tuple[str | None, str | None]:
    errors: list[FieldError] = []
    cc = None
    if country is not None and country.strip():
        cc = country.strip().upper()
        if cc not in iso_countries():
            errors.append(FieldError("country", f"unknown ISO 3166-1 alpha-2 country code {country!r}", "unknown_code"))
    et = None
    if entity_type is not None and entity_type.strip():
        et = entity_type.strip().lower()
        if et in ("organisation", "organization", "company", "individual"):
            et = "person" if et == "individual" else "entity"
        if et not in ENTITY_TYPES:
            errors.append(FieldError("entity_type", f"one of {', '.join(ENTITY_TYPES)}", "invalid_choice"))
    if not 1 <= limit <= 100:
        errors.append(FieldError("limit", "between 1 and 100", "out_of_range"))
    if errors:
        raise ValidationFailed(errors)
    return cc, et


def adjust(score: float, entry: _Entry, country: str | None, dob: date | None,
           entity_type: str | None) -> tuple[float, list[str]]:
    """Country, date of birth and entity type move the name score a little when given."""
    notes: list[str] = []
    if entity_type and entry.entity_type and entity_type != entry.entity_type:
        score -= 0.08
        notes.append(f"entity type differs ({entity_type} vs {entry.entity_type}) −0.08")
    if dob and entry.birth_dates:
        years = {d[:4] for d in entry.birth_dates if d[:4].isdigit()}
        if dob.isoformat() in entry.birth_dates:
            score += 0.05
            notes.append("date of birth matches +0.05")
        elif str(dob.year) in years:
            score += 0.03
            notes.append("year of birth matches +0.03")
        elif years and all(abs(int(y) - dob.year) > 1 for y in years):
            score -= 0.08
            notes.append("date of birth differs −0.08")
    if country and entry.countries:
        if country in entry.countries:
            score += 0.02
            notes.append(f"country {country} matches +0.02")
        else:
            score -= 0.02
            notes.append(f"country {country} not among {', '.join(entry.countries)} −0.02")
    return max(0.0, min(1.0, round(score, 4))), notes


def search_index(loaded: LoadedIndex, q: NormalName, country: str | None = None, date_of_birth: date | None = None,
                 entity_type: str | None = None, limit: int = 10, threshold: float = THRESHOLD) -> list[Hit]:
    best: dict[int, tuple[float, str, str]] = {}
    for m in loaded.index.search(q, limit=0, min_score=threshold - 0.1):
        entry = loaded.entries[m.key]
        score, notes = adjust(m.score, entry, country, date_of_birth, entity_type)
        if score < threshold:
            continue
        reason = m.reason
        if m.name != entry.primary_name:
            reason += f"; alias of {entry.primary_name}"
        if notes:
            reason += "; " + "; ".join(notes)
        if m.key not in best or score > best[m.key][0]:
            best[m.key] = (score, m.name, reason)
    ranked = sorted(best.items(), key=lambda kv: (-kv[1][0], loaded.entries[kv[0]].list_code, kv[0]))[:limit]
    hits = []
    for key, (score, matched, reason) in ranked:
        e = loaded.entries[key]
        hits.append(Hit(e.list_code, e.list_version, e.entry_id, e.primary_name, matched, score, reason,
                        e.entity_type, e.countries, e.digest, e.birth_dates, e.programmes))
    return hits


def screen_party(session: Session, name: str, country: str | None = None, date_of_birth: date | None = None,
                 entity_type: str | None = None, limit: int = 10, *, actor: str = "system",
                 record: bool = True) -> ScreeningResult:
    """Screen one party name against every active list; records the screening with the list versions used."""
    q = validate_name(name)
    cc, et = validate_filters(country, entity_type, limit)
    loaded = loaded_index(session)
    hits = search_index(loaded, q, cc, date_of_birth, et, limit)
    record_id = None
    if record:
        rec = ScreeningRecord(actor=actor[:120], query=name.strip(), country=cc,
                              date_of_birth=date_of_birth.isoformat() if date_of_birth else None, entity_type=et,
                              list_versions=dict(loaded.versions), hit_count=len(hits),
                              hits=[{"list_code": h.list_code, "entry_id": h.entry_id, "score": h.score,
                                     "entry_digest": h.entry_digest} for h in hits])
        session.add(rec)
        session.flush()
        record_id = rec.id
    return ScreeningResult(name.strip(), hits, dict(loaded.versions), THRESHOLD, record_id)
