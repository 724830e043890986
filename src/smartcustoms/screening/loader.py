"""Loading watch-list files into versions (the caller owns the transaction).

A load parses every file first (a changed format is refused before anything is written), then compares the
files' sha256 with the active version: unchanged content makes no new version. A new version's entries are
stored and it becomes the active one; the previous version is kept, inactive.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from sqlalchemy import Table, insert, select, update
from sqlalchemy.orm import Session

from smartcustoms.audit import service as audit
from smartcustoms.db import utcnow
from smartcustoms.screening.entries import ParsedEntry
from smartcustoms.screening.models import WatchlistEntry, WatchlistVersion
from smartcustoms.screening.parsers import parse_files

_ENTRIES = cast(Table, WatchlistEntry.__table__)   # Core insert: many rows, no ORM bookkeeping


@dataclass(frozen=True)
class LoadResult:
    list_code: str
    version_label: str
    created: bool
    entry_count: int
    name_count: int
    sha256: str


def files_digest(paths: Sequence[Path]) -> str:
    h = hashlib.sha256()
    for p in sorted(paths, key=lambda x: Path(x).name):
        h.update(Path(p).name.encode() + b"\0")
        h.update(hashlib.sha256(Path(p).read_bytes()).digest())
    return h.hexdigest()


def active_version(session: Session, list_code: str) -> WatchlistVersion | None:
    return session.scalar(select(WatchlistVersion).where(WatchlistVersion.list_code == list_code,
                                                         WatchlistVersion.active.is_(True)))


def store(session: Session, list_code: str, entries: list[ParsedEntry], digest: str, sources: list[dict[str, str]],
          actor: str, label: str | None = None) -> LoadResult:
    """Store parsed entries as a new active version unless the active one has the same digest."""
    current = active_version(session, list_code)
    if current is not None and current.sha256 == digest:
        return LoadResult(list_code, current.version_label, False, current.entry_count, current.name_count, digest)
    now = utcnow()
    base = label or f"{list_code}-{now:%Y%m%d-%H%M%S}"
    taken = set(session.scalars(select(WatchlistVersion.version_label).where(
        WatchlistVersion.list_code == list_code)))
    label_final, n = base, 2
    while label_final in taken:
        label_final, n = f"{base}.{n}", n + 1
    session.execute(update(WatchlistVersion).where(WatchlistVersion.list_code == list_code)
                    .values(active=False))
    names = sum(len(e.names) for e in entries)
    version = WatchlistVersion(list_code=list_code, version_label=label_final, sha256=digest, source_files=sources,
                               entry_count=len(entries), name_count=names, active=True, loaded_by=actor[:120],
                               loaded_at=now)
    session.add(version)
    session.flush()
    rows = [{"version_id": version.id, "entry_id": e.entry_id[:120], "primary_name": e.primary_name,
             "entity_type": e.entity_type, "names": e.names_json(), "countries": sorted(set(e.countries)),
             "birth_dates": sorted(set(e.birth_dates)), "programmes": e.programmes, "digest": e.digest()}
            for e in entries]
    for i in range(0, len(rows), 2000):
        session.execute(insert(_ENTRIES), rows[i:i + 2000])
    audit.append(session, actor=actor, action="watchlist.loaded", entity_type="watchlist_version",
                 entity_id=str(version.id), data={"list_code": list_code, "version": label_final, "sha256": digest,
                                                  "entries": len(entries), "names": names, "files": sources,
                                                  "previous": current.version_label if current else None})
    return LoadResult(list_code, label_final, True, len(entries), names, digest)


def load_files(session: Session, list_code: str, paths: Sequence[Path], actor: str = "system",
               label: str | None = None) -> LoadResult:
    """Parse the official files of one list and store them as its new active version (if the content changed)."""
    code = list_code.upper()
    paths = [Path(p) for p in paths]
    entries = parse_files(code, paths)           # raises FormatChanged before anything is written
    digest = files_digest(paths)
    sources = [{"file": p.name, "sha256": hashlib.sha256(p.read_bytes()).hexdigest()} for p in paths]
    return store(session, code, entries, digest, sources, actor, label)
